import { fileURLToPath } from 'node:url'
import { Worker } from '@temporalio/worker'
import { keepAliveHeartbeats } from '../../src/activities/heartbeats.js'
import { createActivities } from '../../src/activities/index.js'
import { loadConfig } from '../../src/config.js'
import { openServices } from '../../src/services.js'
import { connectWorker } from '../../src/temporal/connection.js'
import { heraldDataConverter } from '../../src/temporal/data-converter.js'
import { workflowCacheSize } from '../../src/temporal/workflow-cache-size.js'
import { runUntilShutdown } from '../../src/worker.js'

/**
 * The baseline's worker: Herald's activities and worker settings, but the workflows of native-workflows.ts, so
 * runs started by Temporal Schedules do exactly the work a Herald tick does. TEMPORAL_TASK_QUEUE sets its queue.
 */
async function run(): Promise<void> {
  const config = loadConfig()
  const services = await openServices(config)
  const connection = await connectWorker(config)
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./native-workflows.ts', import.meta.url)),
    activities: createActivities(services.activityDeps),
    interceptors: { activity: [keepAliveHeartbeats] },
    // Whatever Herald's worker uses, so both read what the bench client writes.
    dataConverter: heraldDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
    maxCachedWorkflows: workflowCacheSize(config),
  })
  console.log(`native bench worker polling task queue "${config.TEMPORAL_TASK_QUEUE}"`)
  await runUntilShutdown(worker, connection, services)
}

run().catch((err) => {
  console.error(err)
  process.exit(1)
})
