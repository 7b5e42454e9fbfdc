import { type LookupAddress, type LookupOptions, lookup } from 'node:dns'
import { promisify } from 'node:util'
import ipaddr from 'ipaddr.js'

/**
 * Where the worker may send a destination's request (SSRF guard). A URL is checked when it is saved and again at
 * every send, at connection time (`guardedLookup`), because DNS can change in between: the address the socket
 * connects to is the one that was checked.
 */
export interface DestinationNetworkPolicy {
  /** DESTINATION_ALLOW_HTTP: plain http:// URLs (local receivers, tests). */
  allowHttp: boolean
  /** DESTINATION_ALLOW_PRIVATE_ADDRESSES: private, loopback, unique-local and carrier-grade NAT addresses. */
  allowPrivate: boolean
}

export const STRICT_NETWORK_POLICY: DestinationNetworkPolicy = { allowHttp: false, allowPrivate: false }

/** Ranges an operator may open up; link-local (cloud metadata at 169.254.169.254, fe80::/10) never is. */
const PRIVATE_RANGES = new Set(['private', 'loopback', 'uniqueLocal', 'carrierGradeNat'])

/** Why an address may not be reached, or undefined when it may. Only public unicast passes by default. */
export function refusedAddress(address: string, policy: DestinationNetworkPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`
  // ::ffff:10.0.0.1 is 10.0.0.1.
  const ip = ipaddr.process(address)
  const range = ip.range()
  if (range === 'unicast') return undefined
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return undefined
  return `${ip.toString()} is a ${range} address${PRIVATE_RANGES.has(range) ? ' (DESTINATION_ALLOW_PRIVATE_ADDRESSES allows it)' : ''}`
}

const lookupAll = promisify(lookup) as (
  host: string,
  options: { all: true; verbatim: true },
) => Promise<LookupAddress[]>

/** The host of a URL without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')

/**
 * What can be told without DNS: the scheme, and the address when the host is a literal IP (sockets call no lookup
 * for those, so guardedLookup never sees them).
 */
export function refusedUrlShape(raw: string, policy: DestinationNetworkPolicy): string | undefined {
  if (!URL.canParse(raw)) return 'not a URL'
  const url = new URL(raw)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return url.protocol === 'http:'
      ? 'must be https:// (DESTINATION_ALLOW_HTTP allows http://)'
      : `${url.protocol} URLs are not allowed`
  }
  const host = hostOf(url)
  return ipaddr.isValid(host) ? refusedAddress(host, policy) : undefined
}

/**
 * Why a destination URL may not be used, or undefined: its scheme, and every address its host resolves to now.
 * The reasons name hosts and addresses, never the URL's path or query (where webhook URLs keep their secret).
 */
export async function refusedUrl(raw: string, policy: DestinationNetworkPolicy): Promise<string | undefined> {
  const refused = refusedUrlShape(raw, policy)
  if (refused) return refused
  const host = hostOf(new URL(raw))
  if (ipaddr.isValid(host)) return undefined
  let addresses: LookupAddress[]
  try {
    addresses = await lookupAll(host, { all: true, verbatim: true })
  } catch (err) {
    return `host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`
  }
  for (const { address } of addresses) {
    const refused = refusedAddress(address, policy)
    if (refused) return `host ${host} resolves to ${refused}`
  }
  return undefined
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `lookup` for sockets (net.connect, undici's connector) that refuses hosts resolving to an address the policy
 * forbids. A URL with a literal IP never calls lookup, so callers check those with refusedUrl first.
 */
export function guardedLookup(policy: DestinationNetworkPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      for (const { address } of addresses) {
        const refused = refusedAddress(address, policy)
        if (refused) {
          const error: NodeJS.ErrnoException = new Error(
            `destination host ${hostname} resolves to ${refused}`,
          )
          error.code = 'EDESTINATIONREFUSED'
          return callback(error, [])
        }
      }
      if (options.all) return callback(null, addresses)
      const [first] = addresses
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), [])
      callback(null, first.address, first.family)
    })
  }
}
