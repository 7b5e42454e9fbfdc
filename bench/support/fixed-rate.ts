import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'
import { type Distribution, distribution } from './stats.js'

/**
 * An open-loop HTTP load at a fixed rate: request i is due at start + i/rate whether or not earlier ones have
 * answered, and its latency counts from when it was due, so a slow server cannot hide its queueing delay
 * (no coordinated omission).
 */
export interface LoadResult {
  latency: Distribution
  sent: number
  ok: number
  failed: number
  /** Answered requests per second over the whole run. */
  achievedPerSecond: number
  statuses: Record<string, number>
}

export async function fixedRateLoad(options: {
  rate: number
  seconds: number
  target: (i: number) => { url: string; headers?: Record<string, string> }
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const total = Math.round(options.rate * options.seconds)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let ok = 0
  let failed = 0
  const pending: Promise<void>[] = []
  const start = performance.now()
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / options.rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const { url, headers } = options.target(i)
    pending.push(
      get(agent, url, headers).then(
        (status) => {
          latencies.push(performance.now() - due)
          statuses[status] = (statuses[status] ?? 0) + 1
          if (status >= 200 && status < 300) ok++
          else failed++
        },
        (err: Error) => {
          statuses[err.message] = (statuses[err.message] ?? 0) + 1
          failed++
        },
      ),
    )
  }
  await Promise.all(pending)
  const elapsed = (performance.now() - start) / 1000
  agent.destroy()
  return {
    latency: distribution(latencies),
    sent: total,
    ok,
    failed,
    achievedPerSecond: ok / elapsed,
    statuses,
  }
}

function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', reject)
    })
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}
