import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { Counter, Histogram, Registry } from 'prom-client'
import type { AppBindings } from '../deps.js'

const LABELS = ['method', 'route', 'status'] as const

/** Request counts and a latency histogram by route and status, in a registry of the API's own (not the global one). */
export class HttpMetrics {
  private readonly registry = new Registry()
  private readonly requests = new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests handled, by route and status.',
    labelNames: LABELS,
    registers: [this.registry],
  })
  private readonly duration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request latency, by route and status.',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })

  readonly contentType = this.registry.contentType

  observe(method: string, route: string, status: number, seconds: number) {
    const labels = { method, route, status: String(status) }
    this.requests.inc(labels)
    this.duration.observe(labels, seconds)
  }

  /** The Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics()
  }
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
