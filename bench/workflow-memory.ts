import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { DEMO_REPORT_SQL } from '../src/db/demo.js'
import type { RunContext } from '../src/domain/run.js'
import { runIdFor } from '../src/domain/tick-plan.js'
import { workflowCacheSize } from '../src/temporal/workflow-cache-size.js'
import { reportRun } from '../src/workflows/report-run.js'
import { numberFlag } from './support/args.js'
import { outputContains, startChildService } from './support/child-service.js'
import {
  benchSpec,
  inParallel,
  insertScheduleRows,
  sleepingSpec,
  startHeraldSchedules,
} from './support/schedules.js'
import { type BenchStack, sleep, withBenchStack } from './support/stack.js'
import { machineLine, markdownTable } from './support/stats.js'

/**
 * Memory per cached workflow (issue 14, item 3): heap of Herald's worker, after a full GC, with no workflows, with
 * N sleeping schedule workflows cached, then with M run workflows held at their first activity, all in a cache
 * large enough for every one. The worker is Herald's (createWorker) in the SDK's debug mode, which runs workflows
 * in the main isolate so one heap holds them all (bench/support/heap-worker.ts). Prints the derived cache formula;
 * the worker's defaults are not changed here.
 *
 *   npm run bench:memory -- [--schedules 500] [--runs 200] [--headroom 256]
 */
const SCHEDULES = numberFlag('schedules', 500)
const RUNS = numberFlag('runs', 200)
/** Heap kept free for activities (rendering, query results) when sizing the cache, in MB. */
const HEADROOM_MB = numberFlag('headroom', 256)
const HEAP_WORKER_SCRIPT = fileURLToPath(new URL('./support/heap-worker.ts', import.meta.url))
/** The SDK's default: 600 workflows per GB of heap above 200 MB (reuseV8Context). */
const SDK_WORKFLOWS_PER_GB = 600

interface HeapReading {
  at: number
  heapUsed: number
  rss: number
}

const MB = 1024 * 1024

async function main() {
  await withBenchStack('memory', async (stack) => {
    const reportFile = `${stack.dir}/heap.json`
    const worker = await startChildService({
      script: HEAP_WORKER_SCRIPT,
      env: {
        ...stack.env,
        HEAP_REPORT_FILE: reportFile,
        WORKER_MAX_CACHED_WORKFLOWS: String((SCHEDULES + RUNS) * 2 + 100),
      },
      logFile: `${stack.dir}/heap-worker.log`,
      ready: outputContains('heap worker polling'),
    })
    try {
      const heap = () => readHeap(worker.pid, reportFile)
      await sleep(5_000)
      const empty = await heap()

      const ids = await insertScheduleRows(stack.db, SCHEDULES, sleepingSpec)
      await startHeraldSchedules(stack.client, stack.config.TEMPORAL_TASK_QUEUE, ids, sleepingSpec)
      await until(stack, worker.pid, `SELECT count(live_state)::int AS n FROM herald.schedules`, SCHEDULES)
      await sleep(5_000)
      const schedules = await heap()

      // The runs are held at their first activity (recordRunStarted) by a lock on herald.runs: cached, but not
      // one of them rendering or holding a query result, and the worker's activity slots stay bounded.
      const lock = await stack.db.reserve()
      let runs: HeapReading
      try {
        await lock`BEGIN`
        await lock`LOCK TABLE herald.runs IN EXCLUSIVE MODE`
        const runIds = await startHeldRuns(stack, RUNS)
        await untilFirstTaskDone(stack, worker.pid, runIds)
        await sleep(5_000)
        runs = await heap()
        await Promise.all(
          runIds.map((id) =>
            stack.client.workflow
              .getHandle(id)
              .terminate('memory measured')
              .catch(() => {}),
          ),
        )
      } finally {
        await lock`ROLLBACK`.catch(() => {})
        lock.release()
      }

      const perSchedule = (schedules.heapUsed - empty.heapUsed) / SCHEDULES
      const perRun = (runs.heapUsed - schedules.heapUsed) / RUNS
      const rssPerSchedule = (schedules.rss - empty.rss) / SCHEDULES
      const rssPerRun = (runs.rss - schedules.rss) / RUNS
      console.log(
        `\n## Memory per cached workflow: ${SCHEDULES} schedules, ${RUNS} runs held at their first activity (${machineLine()})\n`,
      )
      console.log(
        markdownTable(
          ['moment', 'heap used MB (after GC)', 'RSS MB', 'heap per workflow KB', 'RSS per workflow KB'],
          [
            [
              'worker started, nothing cached',
              (empty.heapUsed / MB).toFixed(1),
              (empty.rss / MB).toFixed(0),
              '',
              '',
            ],
            [
              `${SCHEDULES} sleeping reportSchedule workflows cached`,
              (schedules.heapUsed / MB).toFixed(1),
              (schedules.rss / MB).toFixed(0),
              (perSchedule / 1024).toFixed(1),
              (rssPerSchedule / 1024).toFixed(1),
            ],
            [
              `plus ${RUNS} reportRun workflows waiting on their first activity`,
              (runs.heapUsed / MB).toFixed(1),
              (runs.rss / MB).toFixed(0),
              (perRun / 1024).toFixed(1),
              (rssPerRun / 1024).toFixed(1),
            ],
          ],
        ),
      )
      const perWorkflowMb = Math.max(perSchedule, perRun) / MB
      const baseMb = empty.heapUsed / MB
      const cacheFor = (heapMb: number) =>
        Math.max(10, Math.floor((heapMb - baseMb - HEADROOM_MB) / perWorkflowMb))
      console.log(
        [
          '',
          `Derived: maxCachedWorkflows = floor((heap limit MB - ${baseMb.toFixed(0)} MB base - ${HEADROOM_MB} MB headroom for activities) / ${perWorkflowMb.toFixed(3)} MB per workflow)`,
          `(the larger of schedule and run; a schedule firing holds itself and one run: ${((perSchedule + perRun) / MB).toFixed(3)} MB).`,
          `The SDK's default assumes ${(1024 / SDK_WORKFLOWS_PER_GB).toFixed(2)} MB per workflow (${SDK_WORKFLOWS_PER_GB} per GB above 200 MB).`,
          '',
        ].join('\n'),
      )
      console.log(
        markdownTable(
          [
            'heap limit (--max-old-space-size)',
            'cache by the formula',
            'SDK default (600 per GB above 200 MB)',
          ],
          [512, 1024, 2048, 4096].map((heapMb) => [
            `${heapMb} MB`,
            cacheFor(heapMb),
            Math.max(10, Math.floor(((heapMb - 200) * SDK_WORKFLOWS_PER_GB) / 1024)),
          ]),
        ),
      )
      // The stack's config: Herald's default unless the environment sets WORKER_MAX_CACHED_WORKFLOWS.
      const configured = workflowCacheSize(stack.config)
      console.log(
        `\nThe worker's cache here (WORKER_MAX_CACHED_WORKFLOWS, or src/temporal/workflow-cache-size.ts from this process's heap limit) is ${configured}: about ${(configured * perWorkflowMb).toFixed(0)} MB of workflow heap when full.`,
      )
    } finally {
      await worker.stop()
    }
  })
}

/** Asks the heap worker for a reading (SIGUSR2: full GC, then process.memoryUsage() to the file) and waits for it. */
async function readHeap(pid: number, file: string): Promise<HeapReading> {
  const asked = Date.now()
  process.kill(pid, 'SIGUSR2')
  for (let i = 0; i < 300; i++) {
    await sleep(100)
    const reading = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as HeapReading)
      .catch(() => undefined)
    if (reading && reading.at >= asked) return reading
  }
  throw new Error('the heap worker did not report its heap within 30 s')
}

/** Waits (up to 10 min, while the heap worker lives) until a count query reaches `count`. */
async function until(stack: BenchStack, workerPid: number, countSql: string, count: number): Promise<void> {
  const began = Date.now()
  for (;;) {
    if (!existsSync(`/proc/${workerPid}`))
      throw new Error(`the heap worker exited while waiting for: ${countSql}`)
    const [row] = await stack.db.unsafe<{ n: number }[]>(countSql)
    if (row!.n >= count) return
    if (Date.now() - began > 10 * 60_000) throw new Error(`only ${row!.n} of ${count}: ${countSql}`)
    await sleep(1_000)
  }
}

/** Waits (up to 10 min, while the heap worker lives) until every run's first workflow task has completed. */
async function untilFirstTaskDone(stack: BenchStack, workerPid: number, runIds: string[]): Promise<void> {
  const began = Date.now()
  let pending = runIds
  while (pending.length > 0) {
    if (!existsSync(`/proc/${workerPid}`)) throw new Error('the heap worker exited while the runs started')
    if (Date.now() - began > 10 * 60_000) throw new Error(`${pending.length} runs never had a workflow task`)
    const still: string[] = []
    await inParallel(pending, 20, async (id) => {
      const { raw } = await stack.client.workflow.getHandle(id).describe()
      // The first activity is scheduled once the first workflow task completed.
      if ((raw.pendingActivities ?? []).length === 0) still.push(id)
    })
    pending = still
    if (pending.length > 0) await sleep(1_000)
  }
}

/** M reportRun workflows started directly, the demo report (PDF + XLSX, 3 recipients) as in the burst. */
async function startHeldRuns(stack: BenchStack, count: number): Promise<string[]> {
  const spec = benchSpec({
    name: 'Memory (held run)',
    cron: '0 3 1 1 *',
    query: { sql: DEMO_REPORT_SQL },
    formats: ['pdf', 'xlsx'],
    recipients: { to: ['a@bench.test', 'b@bench.test', 'c@bench.test'] },
  })
  const fireTime = new Date(Math.floor(Date.now() / 60_000) * 60_000)
  const ids = Array.from({ length: count }, (_, i) => `mem-bench-${String(i).padStart(5, '0')}`)
  const runIds = ids.map((id) => runIdFor(id, fireTime))
  await inParallel(ids, 50, async (scheduleId) => {
    const run: RunContext = {
      scheduleId,
      scheduleName: spec.name,
      runId: runIdFor(scheduleId, fireTime),
      fireTime: fireTime.toISOString(),
      periodStart: new Date(fireTime.getTime() - 60_000).toISOString(),
      periodEnd: fireTime.toISOString(),
      timezone: spec.timezone,
    }
    await stack.client.workflow.start(reportRun, {
      workflowId: run.runId,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      args: [{ run, trigger: 'manual', spec, previous: {} }],
    })
  })
  return runIds
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
