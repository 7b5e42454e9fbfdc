import { Agent, FormData as UndiciFormData, fetch as undiciFetch } from 'undici'
import {
  type DestinationNetworkPolicy,
  guardedLookup,
  refusedUrlShape,
} from '../../security/destination-address.js'

/**
 * The one way the worker reaches Slack, Teams and webhooks: undici with a connection-time SSRF guard (the address
 * a socket connects to is checked after DNS, so a name that changed since it was saved cannot reach an internal
 * host), no redirects, and a timeout per request. The Slack clients take it as their `fetch`.
 */

/** A refusal by the SSRF guard: permanent, the URL or the DNS must change. */
export class DestinationRefused extends Error {
  override name = 'DestinationRefused'
}

export interface DestinationResponse {
  status: number
  statusText: string
  headers: Headers
  body: string
}

/** The fetch shape the Slack SDKs accept (FetchFunction of @slack/webhook and @slack/web-api). */
export type DestinationFetch = (
  url: string | URL,
  init?: {
    method?: string
    headers?: Record<string, string>
    body?: string | FormData
    signal?: AbortSignal
  },
) => Promise<Response>

export interface DestinationHttp {
  fetch: DestinationFetch
  /** POSTs JSON and reads the reply; throws on no reply (refused, timeout, connection error). */
  postJson(url: string, body: string, headers: Record<string, string>): Promise<DestinationResponse>
  close(): Promise<void>
}

export function createDestinationHttp(policy: DestinationNetworkPolicy, timeoutMs: number): DestinationHttp {
  const agent = new Agent({
    connect: { lookup: guardedLookup(policy) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })

  const fetch: DestinationFetch = async (url, init = {}) => {
    const refused = refusedUrlShape(String(url), policy)
    if (refused) throw new DestinationRefused(refused)
    const signal = init.signal
      ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs)
    try {
      const response = await undiciFetch(String(url), {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body instanceof FormData ? toUndiciForm(init.body) : init.body,
        // A redirect could point anywhere, a literal private address included: it is an answer, not followed.
        redirect: 'manual',
        signal,
        dispatcher: agent,
      })
      return response as unknown as Response
    } catch (err) {
      throw refusal(err) ?? err
    }
  }

  return {
    fetch,
    async postJson(url, body, headers) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      })
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: await response.text(),
      }
    },
    close: () => agent.close(),
  }
}

/** The SSRF guard's refusal inside undici's "fetch failed", surfaced as such. */
function refusal(err: unknown): DestinationRefused | undefined {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as NodeJS.ErrnoException).code === 'EDESTINATIONREFUSED')
      return new DestinationRefused((e as Error).message)
  }
  return undefined
}

/** Node's global FormData belongs to its bundled undici; the npm undici only serialises its own. */
function toUndiciForm(form: FormData): UndiciFormData {
  const copy = new UndiciFormData()
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') copy.append(name, value)
    else copy.append(name, value, (value as File).name)
  }
  return copy
}
