import { randomBytes } from 'node:crypto'
import type { Config } from '../../config.js'
import type { DestinationKind, NewDestination } from '../../domain/destination.js'
import { maskToken, maskUrl, splitDestination } from '../../domain/destination.js'
import { refusedUrl } from '../../security/destination-address.js'
import { sealSecret } from '../../security/secret-box.js'
import { ProblemError, validationFailed } from '../problems.js'

/** What the destinations table stores for a new destination: the masked target and the sealed secrets. */
export interface DestinationRecord {
  name: string
  kind: DestinationKind
  channel: string | null
  target: string
  secrets: string
  /** A webhook's signing secret Herald generated: shown once, in the response to this request. */
  generatedSigningSecret?: string
}

/** 256 bits, hex, with a prefix that says what it is when it turns up in a receiver's settings. */
export const generateSigningSecret = () => `whsec_${randomBytes(32).toString('hex')}`

/** The request field holding a destination's URL, for error messages. */
const urlField = (kind: DestinationKind) => (kind === 'webhook' ? 'url' : 'webhookUrl')

export const networkPolicyOf = (config: Config) => ({
  allowHttp: config.DESTINATION_ALLOW_HTTP,
  allowPrivate: config.DESTINATION_ALLOW_PRIVATE_ADDRESSES,
})

/**
 * Checks the URL against the SSRF rules (the worker checks again at every send) and seals the secrets with the
 * first PAYLOAD_ENCRYPTION_KEYS key, bound to the destination id. The API never opens them again.
 */
export async function destinationRecord(
  config: Config,
  id: string,
  destination: NewDestination,
): Promise<DestinationRecord> {
  if (config.PAYLOAD_ENCRYPTION_KEYS.length === 0) {
    throw new ProblemError(
      'conflict',
      'destinations keep their URLs and secrets encrypted: set PAYLOAD_ENCRYPTION_KEYS on the API and the worker first',
    )
  }
  const generatedSigningSecret =
    destination.kind === 'webhook' && !destination.signingSecret ? generateSigningSecret() : undefined
  const { secrets, channel, url } = splitDestination(
    generatedSigningSecret && destination.kind === 'webhook'
      ? { ...destination, signingSecret: generatedSigningSecret }
      : destination,
  )
  if (url) {
    const refused = await refusedUrl(url, networkPolicyOf(config))
    if (refused) throw validationFailed([{ path: urlField(destination.kind), message: refused }])
  }
  return {
    name: destination.name,
    kind: destination.kind,
    channel,
    target: url ? maskUrl(url) : maskToken(secrets.botToken ?? ''),
    secrets: sealSecret(config.PAYLOAD_ENCRYPTION_KEYS, JSON.stringify(secrets), id),
    ...(generatedSigningSecret ? { generatedSigningSecret } : {}),
  }
}
