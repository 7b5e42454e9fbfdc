import { fileURLToPath } from 'node:url'
import { Client } from '@temporalio/client'
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker'
import { keepAliveHeartbeats } from './activities/heartbeats.js'
import { createActivities } from './activities/index.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { isEntryPoint } from './entry-point.js'
import { openServices, type Services } from './services.js'
import { serveWorkerMetrics } from './telemetry/metrics-server.js'
import {
  startTracing,
  type Tracing,
  workerTracingOptions,
  workflowTracingInterceptors,
} from './telemetry/tracing.js'
import { installWorkerRuntime } from './telemetry/worker-runtime.js'
import { connectWorker } from './temporal/connection.js'
import { heraldDataConverter } from './temporal/data-converter.js'
import { ensureRetentionWorkflow } from './temporal/retention-workflow.js'
import { missingSearchAttributes } from './temporal/search-attribute-registry.js'
import { workflowCacheSize } from './temporal/workflow-cache-size.js'

/** The workflows live in their own bundle; the worker loads source (.ts) in dev and tests, .js when compiled. */
export const workflowsPath = fileURLToPath(
  new URL(`./workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
)

export interface HeraldWorkerOptions {
  config: Config
  connection: NativeConnection
  services: Services
  workflowBundle?: WorkerOptions['workflowBundle']
  /** Exports workflow and activity spans; a prebuilt workflowBundle must include workflowTracingInterceptors. */
  tracing?: Tracing
}

/** A worker for Herald's task queue with every workflow and activity registered. */
export async function createWorker({
  config,
  connection,
  services,
  workflowBundle,
  tracing,
}: HeraldWorkerOptions): Promise<Worker> {
  // Refuses to start when a data source's role can do more than read (README: Report queries and privileges).
  await services.activityDeps.dataSources.checkAll()
  const traced = workerTracingOptions(tracing)
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities(services.activityDeps),
    interceptors: {
      activity: [...traced.activityInterceptors, keepAliveHeartbeats],
      // Bundled whether or not tracing is on, so workflow code never depends on a setting (tracing-interceptors.ts).
      ...(workflowBundle ? {} : { workflowModules: [workflowTracingInterceptors] }),
    },
    sinks: traced.sinks,
    // Encrypts payloads and failure messages when PAYLOAD_ENCRYPTION_KEYS is set (docs/SECURITY.md).
    dataConverter: heraldDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
    // Sleeping schedules cost nothing once evicted; the cache bounds memory (see docs/BENCHMARKS.md).
    maxCachedWorkflows: workflowCacheSize(config),
  })
}

async function run(): Promise<void> {
  const config = loadConfig()
  // Before any connection: the SDK runtime (and its metrics exporter) is installed once per process.
  const runtime = await installWorkerRuntime(config)
  const tracing = startTracing(config, 'herald-worker')
  const services = await openServices(config)
  // Before connecting to Temporal: a privileged data source stops the worker with one line (createWorker checks too).
  await services.activityDeps.dataSources.checkAll()
  const connection = await connectWorker(config)
  const worker = await createWorker({ config, connection, services, tracing })
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await serveWorkerMetrics({
          port: config.WORKER_METRICS_PORT,
          metrics: services.metrics,
          runtime,
          onError: (err) => console.warn(`herald: metrics: ${err}`),
        })
  // Retention runs as a workflow of its own; the first worker to start starts it (docs/DELIVERY.md, Retention).
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: heraldDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
  })
  await ensureRetentionWorkflow(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }).catch((err) =>
    console.warn(`herald: the retention workflow was not started, no file or record expires: ${err}`),
  )
  const unindexed = await missingSearchAttributes(connection, config.TEMPORAL_NAMESPACE)
  if (unindexed.length > 0) {
    console.warn(
      `herald: search attributes ${unindexed.join(', ')} are not registered in namespace "${config.TEMPORAL_NAMESPACE}": workflows run without them (run npm run temporal:setup, or see README for Temporal Cloud)`,
    )
  }
  if (config.PAYLOAD_ENCRYPTION_KEYS.length === 0) {
    console.warn(
      'PAYLOAD_ENCRYPTION_KEYS is not set: recipients and SQL are stored in Temporal in clear text',
    )
  }
  console.log(
    `Herald worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS ?? 'localhost:7233'}${metricsServer ? `, metrics on :${metricsServer.port}/metrics` : ''}`,
  )
  try {
    await runUntilShutdown(worker, connection, services)
  } finally {
    await metricsServer?.close()
    await tracing?.shutdown()
  }
}

/** Runs the worker until it shuts down (SIGINT/SIGTERM), then releases its connection and services. */
export async function runUntilShutdown(worker: Worker, connection: NativeConnection, services: Services) {
  try {
    await worker.run()
  } finally {
    await connection.close()
    await services.close()
  }
}

if (isEntryPoint(import.meta.url)) {
  run().catch((err) => {
    // A configuration problem is one line that says what to change; anything else keeps its stack.
    console.error(err instanceof ConfigError ? `herald: ${err.message}` : err)
    process.exit(1)
  })
}
