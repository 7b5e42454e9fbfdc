import { loadConfig } from '../src/config.js'
import { openServices } from '../src/services.js'
import { connectWorker } from '../src/temporal/connection.js'
import { createWorker, runUntilShutdown } from '../src/worker.js'

/**
 * The Herald worker as src/worker.ts runs it, but with the workflow bundle the harness built once
 * (CHAOS_WORKFLOW_BUNDLE): bundling takes ~20 s on two cores, too long to pay on every restart after a SIGKILL.
 */
async function run(): Promise<void> {
  const codePath = process.env.CHAOS_WORKFLOW_BUNDLE
  if (!codePath) throw new Error('CHAOS_WORKFLOW_BUNDLE is not set')
  const config = loadConfig()
  const services = await openServices(config)
  const connection = await connectWorker(config)
  const worker = await createWorker({ config, connection, services, workflowBundle: { codePath } })
  console.log(`Herald worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" (prebuilt bundle)`)
  await runUntilShutdown(worker, connection, services)
}

run().catch((err) => {
  console.error(err)
  process.exit(1)
})
