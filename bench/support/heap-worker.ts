import { renameSync, writeFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Runtime } from '@temporalio/worker'
import { loadConfig } from '../../src/config.js'
import { openServices } from '../../src/services.js'
import { connectWorker } from '../../src/temporal/connection.js'
import { createWorker, runUntilShutdown } from '../../src/worker.js'

/**
 * Herald's worker (createWorker, the same options) for measuring heap per cached workflow. The SDK's debug mode
 * (TEMPORAL_DEBUG) runs the workflows in this main isolate instead of a worker thread, so this process's heap
 * holds every cached workflow and can be read after a full GC. On SIGUSR2 it collects garbage and writes
 * process.memoryUsage() as JSON to HEAP_REPORT_FILE.
 */
process.env.TEMPORAL_DEBUG = '1'
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function run(): Promise<void> {
  const reportFile = process.env.HEAP_REPORT_FILE
  if (!reportFile) throw new Error('HEAP_REPORT_FILE is not set')
  process.on('SIGUSR2', () => {
    gc()
    gc()
    // Written whole, then renamed, so the benchmark never reads half a report.
    writeFileSync(`${reportFile}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }))
    renameSync(`${reportFile}.tmp`, reportFile)
  })
  // The SDK's default shutdown signals include SIGUSR2, which this process uses to report its heap.
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'] })
  const config = loadConfig()
  const services = await openServices(config)
  const connection = await connectWorker(config)
  const worker = await createWorker({ config, connection, services })
  console.log(`heap worker polling task queue "${config.TEMPORAL_TASK_QUEUE}"`)
  await runUntilShutdown(worker, connection, services)
}

run().catch((err) => {
  console.error(err)
  process.exit(1)
})
