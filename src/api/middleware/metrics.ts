import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { AppBindings } from '../deps.js'

/** Request counts and a latency histogram by route and status, rendered in the Prometheus text format. */

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Series {
  labels: Record<string, string>
  count: number
  sum: number
  buckets: number[]
}

export class HttpMetrics {
  private series = new Map<string, Series>()

  observe(method: string, route: string, status: number, seconds: number) {
    const labels = { method, route, status: String(status) }
    const key = JSON.stringify(labels)
    let series = this.series.get(key)
    if (!series) {
      series = { labels, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }
      this.series.set(key, series)
    }
    series.count += 1
    series.sum += seconds
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) series.buckets[i]! += 1
    })
  }

  render(): string {
    const lines = [
      '# HELP herald_http_requests_total HTTP requests handled, by route and status.',
      '# TYPE herald_http_requests_total counter',
    ]
    const all = [...this.series.values()]
    for (const s of all) lines.push(`herald_http_requests_total${labelText(s.labels)} ${s.count}`)
    lines.push(
      '# HELP herald_http_request_duration_seconds HTTP request latency, by route and status.',
      '# TYPE herald_http_request_duration_seconds histogram',
    )
    for (const s of all) {
      BUCKETS.forEach((le, i) => {
        lines.push(
          `herald_http_request_duration_seconds_bucket${labelText({ ...s.labels, le: String(le) })} ${s.buckets[i]}`,
        )
      })
      lines.push(
        `herald_http_request_duration_seconds_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`,
      )
      lines.push(`herald_http_request_duration_seconds_sum${labelText(s.labels)} ${s.sum}`)
      lines.push(`herald_http_request_duration_seconds_count${labelText(s.labels)} ${s.count}`)
    }
    return `${lines.join('\n')}\n`
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`
}

/** Labels by the route pattern (`/api/v1/schedules/:id`), never the raw path, so ids do not explode cardinality. */
export function collectMetrics(metrics: HttpMetrics): MiddlewareHandler<AppBindings> {
  return async (c, next) => {
    const started = performance.now()
    try {
      await next()
    } finally {
      const route = routePath(c, -1)
      const label = !route || route.endsWith('*') ? 'unmatched' : route
      metrics.observe(c.req.method, label, c.res.status, (performance.now() - started) / 1000)
    }
  }
}
