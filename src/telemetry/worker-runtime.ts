import { createServer } from 'node:net'
import { type Logger, Runtime } from '@temporalio/worker'
import type { Config } from '../config.js'

export interface WorkerRuntime {
  /** Where the SDK's own Prometheus exporter answers (loopback only); the worker's /metrics appends what it says. */
  sdkMetricsUrl?: string
}

/**
 * Installs the Temporal SDK runtime: once per process, before any worker or connection exists (`npm start` runs the
 * worker and the API in one process and calls this once). With WORKER_METRICS_PORT set, the SDK's metrics go to a
 * Prometheus exporter on a loopback port of its own, which the worker's metrics endpoint reads and passes on, so
 * Prometheus scrapes one port. Without it and without a logger, the SDK's default runtime is left alone.
 */
export async function installWorkerRuntime(config: Config, logger?: Logger): Promise<WorkerRuntime> {
  if (config.WORKER_METRICS_PORT === undefined) {
    if (logger) Runtime.install({ logger })
    return {}
  }
  const port = await freeLoopbackPort()
  Runtime.install({
    ...(logger ? { logger } : {}),
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${port}`,
          // Prometheus conventions, like Herald's own: counters end in _total, durations are in seconds.
          countersTotalSuffix: true,
          useSecondsForDurations: true,
        },
      },
    },
  })
  return { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` }
}

/** A loopback port free right now (the SDK takes an address, not a listening socket). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}
