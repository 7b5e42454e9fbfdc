import type { RouteHandler, z } from '@hono/zod-openapi'
import type { Payload } from '@temporalio/common'
import type { Config } from '../../config.js'
import { EncryptionCodec, PayloadDecryptionError } from '../../temporal/encryption-codec.js'
import type { AppBindings } from '../deps.js'
import { ProblemError, validationFailed } from '../problems.js'
import type { codecPayload, DecodeRoute, EncodeRoute } from './codec.routes.js'

type JsonPayload = z.infer<typeof codecPayload>

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: data ? Buffer.from(data, 'base64') : undefined,
})

const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  ...(data && data.length > 0 ? { data: Buffer.from(data).toString('base64') } : {}),
})

/** A codec per configuration, built once: the keys never change while the process runs. */
const codecs = new WeakMap<Config, EncryptionCodec>()
function codecFor(config: Config): EncryptionCodec {
  let codec = codecs.get(config)
  if (!codec) {
    codec = new EncryptionCodec(config.PAYLOAD_ENCRYPTION_KEYS)
    codecs.set(config, codec)
  }
  return codec
}

/**
 * Herald's keys are for Herald's namespace; a UI shared by several namespaces asks about the others too. The header
 * is read here, not declared in the route: a fuzzer's random namespaces would only ever exercise this refusal.
 */
function checkNamespace(namespace: string | undefined, config: Config) {
  if (namespace !== undefined && namespace !== config.TEMPORAL_NAMESPACE) {
    throw new ProblemError(
      'forbidden',
      `this codec serves namespace "${config.TEMPORAL_NAMESPACE}", not "${namespace}"`,
    )
  }
}

export const decode: RouteHandler<DecodeRoute, AppBindings> = async (c) => {
  const { config } = c.var.deps
  checkNamespace(c.req.header('x-namespace'), config)
  const codec = codecFor(config)
  const decoded: Payload[] = []
  // One by one, so a payload that cannot be decrypted is named by its index.
  for (const [index, payload] of c.req.valid('json').payloads.entries()) {
    try {
      decoded.push(...(await codec.decode([fromJson(payload)])))
    } catch (err) {
      if (!(err instanceof PayloadDecryptionError)) throw err
      throw validationFailed([{ path: `payloads.${index}`, message: err.message }])
    }
  }
  return c.json({ payloads: decoded.map(toJson) }, 200)
}

export const encode: RouteHandler<EncodeRoute, AppBindings> = async (c) => {
  const { config } = c.var.deps
  checkNamespace(c.req.header('x-namespace'), config)
  const plain = c.req.valid('json').payloads.map(fromJson)
  // Without keys Herald's data converter has no codec: encoding leaves a payload as it is.
  const encoded = config.PAYLOAD_ENCRYPTION_KEYS.length > 0 ? await codecFor(config).encode(plain) : plain
  return c.json({ payloads: encoded.map(toJson) }, 200)
}
