import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the receiver got it: the raw body (what a signature covers) and the headers. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** How the receiver answers one request; `delayMs` holds the answer back (a slow receiver, or a timeout). */
export interface ScriptedAnswer {
  status: number
  headers?: Record<string, string>
  body?: string
  delayMs?: number
}

/**
 * A real HTTP server standing in for Slack, Teams or a webhook consumer: it records every request in full and
 * answers from a script (one answer per request, then `fallback`), so a test can check what the receiver checks.
 */
export class HttpReceiver {
  readonly received: ReceivedRequest[] = []
  /** Answers for the next requests, in order. */
  script: ScriptedAnswer[] = []
  fallback: ScriptedAnswer = { status: 200, body: 'ok' }
  private server: Server | undefined
  private readonly waiting = new Set<() => void>()

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        this.received.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        for (const wake of this.waiting) wake()
        const answer = this.script.shift() ?? this.fallback
        const reply = () => {
          if (res.destroyed) return
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers })
          res.end(answer.body ?? '')
        }
        if (answer.delayMs) setTimeout(reply, answer.delayMs)
        else reply()
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
  }

  /** A URL on this receiver; `host` may be a name (e.g. localhost) to exercise the DNS check. */
  url(path = '/hook', host = '127.0.0.1'): string {
    return `http://${host}:${(this.server!.address() as AddressInfo).port}${path}`
  }

  reset(): void {
    this.received.length = 0
    this.script = []
    this.fallback = { status: 200, body: 'ok' }
  }

  /** Resolves once `count` requests have arrived. */
  async waitForRequests(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.received.length} of ${count} requests`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiting.delete(wake)
          resolve()
        }
        this.waiting.add(wake)
        setTimeout(wake, 200)
      })
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
