import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WorkerMetrics } from './worker-metrics.js'
import type { WorkerRuntime } from './worker-runtime.js'

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

const SDK_SCRAPE_TIMEOUT_MS = 5_000

/**
 * The worker's `GET /metrics`: Herald's metrics (herald_*) followed by the SDK's (temporal_*), one Prometheus text
 * exposition. The names never overlap, so the two parts concatenate into a valid document.
 */
export async function serveWorkerMetrics(options: {
  port: number
  metrics: WorkerMetrics
  runtime: WorkerRuntime
  onError?: (err: unknown) => void
}): Promise<MetricsServer> {
  const { metrics, runtime, onError } = options
  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the worker serves GET /metrics\n')
      return
    }
    try {
      const parts = [await metrics.render()]
      if (runtime.sdkMetricsUrl) parts.push(await sdkMetrics(runtime.sdkMetricsUrl, onError))
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(parts.join('\n'))
    } catch (err) {
      onError?.(err)
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** The SDK exporter's text; when it does not answer, Herald's part is still served, with a comment saying so. */
async function sdkMetrics(url: string, onError?: (err: unknown) => void): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) })
    if (!response.ok) throw new Error(`SDK metrics exporter answered ${response.status}`)
    return await response.text()
  } catch (err) {
    onError?.(err)
    return '# Temporal SDK metrics unavailable on this scrape\n'
  }
}
