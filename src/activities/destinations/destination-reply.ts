import { DestinationRefused } from './destination-http.js'

/**
 * How a destination's answer settles a delivery: 2xx is sent; 429 and 5xx are retried (honouring Retry-After);
 * any other answer is permanent, with the answer recorded. No reply at all (timeout, connection refused or reset)
 * is retried with the same idempotency key: the receiver may have got the request.
 */
export interface DestinationReply {
  status: 'sent' | 'failed' | 'permanently_failed'
  /** What the run's deliveries show: the HTTP status and the start of the body, or why there was none. */
  reply: string
  /** From Retry-After, for the next attempt. */
  retryAfterMs?: number
}

const REPLY_CHARS = 300
/** A Retry-After beyond this is capped: the activity's retry policy still bounds the whole delivery. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000

export function httpReply(
  response: { status: number; statusText?: string; headers: { get(name: string): string | null } },
  body: string,
  now: Date,
): DestinationReply {
  const text = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}${body.trim() ? `: ${oneLine(body)}` : ''}`
  if (response.status >= 200 && response.status < 300) return { status: 'sent', reply: text }
  if (response.status === 429 || response.status >= 500) {
    return {
      status: 'failed',
      reply: text,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after'), now),
    }
  }
  return { status: 'permanently_failed', reply: text }
}

/** The reply for a request that got no answer; never the URL, which may hold the destination's secret. */
export function noReply(err: unknown): DestinationReply {
  if (err instanceof DestinationRefused)
    return { status: 'permanently_failed', reply: `refused: ${err.message}` }
  const name = (err as Error)?.name
  if (name === 'TimeoutError' || name === 'AbortError')
    return { status: 'failed', reply: 'no answer before the timeout' }
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return { status: 'failed', reply: `no answer: ${code}` }
    }
  }
  return { status: 'failed', reply: 'no answer: the request failed' }
}

/** Retry-After in seconds or as an HTTP date (RFC 9110, 10.2.3). */
export function retryAfterMs(value: string | null, now: Date): number | undefined {
  if (!value) return undefined
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now.getTime()
  if (!Number.isFinite(seconds)) return undefined
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_MS)
}

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > REPLY_CHARS ? `${flat.slice(0, REPLY_CHARS)}…` : flat
}
