import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Random } from './random.js'

/**
 * The chaos suite's webhook consumer: a real HTTP server that checks each request's signature, records its
 * idempotency key, and now and then misbehaves (500, 429 with Retry-After, or reading the request and then
 * dropping the connection without an answer: the webhook's RFC 1047 window).
 */

export type WebhookAnswer = 'accepted' | 'status500' | 'status429' | 'dropped' | 'badSignature'

export interface WebhookRequest {
  idempotencyKey: string
  scheduleId: string
  runId: string
  answer: WebhookAnswer
}

/** How often each fault is answered; a key gets at most `maxFaultsPerKey`, so retries stay inside a run's budget. */
export interface WebhookFaultRates {
  status500: number
  status429: number
  dropped: number
}

export const NO_WEBHOOK_FAULTS: WebhookFaultRates = { status500: 0, status429: 0, dropped: 0 }
export const WEBHOOK_FAULTS: WebhookFaultRates = { status500: 0.15, status429: 0.1, dropped: 0.15 }

/** Two faults at most per key: the retries wait 10 s then 20 s (or 1 s after a 429), well inside the settle time. */
const MAX_FAULTS_PER_KEY = 2
/** The replay window a consumer should enforce (docs/DELIVERY.md). */
const REPLAY_WINDOW_S = 300

export class ChaosWebhookReceiver {
  readonly requests: WebhookRequest[] = []
  faults: WebhookFaultRates = NO_WEBHOOK_FAULTS
  /** Set once the destination exists: the secret POST /destinations returned. */
  signingSecret = ''
  private readonly faultsByKey = new Map<string, number>()
  private server: Server | undefined

  constructor(private readonly random: Random) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const key = String(req.headers['idempotency-key'] ?? '')
        let parsed: { schedule?: { id?: string }; run?: { id?: string } } = {}
        try {
          parsed = JSON.parse(body)
        } catch {
          // Recorded with empty ids: the audit reports it as unexplained.
        }
        const answer = this.verified(String(req.headers['herald-signature'] ?? ''), body)
          ? this.decide(key)
          : 'badSignature'
        this.requests.push({
          idempotencyKey: key,
          scheduleId: parsed.schedule?.id ?? '',
          runId: parsed.run?.id ?? '',
          answer,
        })
        if (answer === 'dropped') {
          req.socket.destroy()
          return
        }
        const [status, headers]: [number, Record<string, string>] =
          answer === 'accepted'
            ? [200, {}]
            : answer === 'status429'
              ? [429, { 'retry-after': '1' }]
              : answer === 'status500'
                ? [500, {}]
                : [401, {}]
        res.writeHead(status, { 'content-type': 'text/plain', ...headers })
        res.end(answer === 'accepted' ? 'ok' : answer)
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
  }

  url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/herald`
  }

  private decide(key: string): WebhookAnswer {
    const used = this.faultsByKey.get(key) ?? 0
    if (used >= MAX_FAULTS_PER_KEY) return 'accepted'
    const draw = this.random.next()
    const { status500, status429, dropped } = this.faults
    const answer: WebhookAnswer =
      draw < status500
        ? 'status500'
        : draw < status500 + status429
          ? 'status429'
          : draw < status500 + status429 + dropped
            ? 'dropped'
            : 'accepted'
    if (answer !== 'accepted') this.faultsByKey.set(key, used + 1)
    return answer
  }

  /** What a consumer checks: v1 = HMAC-SHA256(secret, "<t>.<raw body>") in constant time, t inside the window. */
  private verified(header: string, body: string): boolean {
    const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]))
    const t = Number(parts.t)
    if (!this.signingSecret || !parts.v1 || !Number.isInteger(t)) return false
    if (Math.abs(Date.now() / 1000 - t) > REPLAY_WINDOW_S) return false
    const expected = createHmac('sha256', this.signingSecret).update(`${t}.${body}`).digest()
    const given = Buffer.from(parts.v1, 'hex')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
