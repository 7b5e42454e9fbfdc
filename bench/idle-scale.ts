import { workflowCacheSize } from '../src/temporal/workflow-cache-size.js'
import { runScenarios, scenarioTable } from './support/api-load.js'
import { numberFlag } from './support/args.js'
import { insertScheduleRows, sleepingSpec, startHeraldSchedules } from './support/schedules.js'
import { type BenchStack, sleep, withBenchStack } from './support/stack.js'
import { machineLine, markdownTable, mb } from './support/stats.js'

/**
 * Idle scale (issue 7): 10,000 sleeping schedules (cron '0 3 1 1 *'), each a running reportSchedule workflow
 * waiting on a durable timer. Reports the worker's RSS before, right after starting them all and after idling,
 * with WORKER_MAX_CACHED_WORKFLOWS as configured (set it in the environment to try another value), the Temporal
 * SQLite file size, the time until every schedule has published its live state, and API latency for the list and
 * for single schedules picked across all of them.
 *
 *   npm run bench:idle -- [--schedules 10000] [--idle 30] [--rate 200] [--seconds 10]
 */
const SCHEDULES = numberFlag('schedules', 10_000)
const IDLE_S = numberFlag('idle', 30)
const RATE = numberFlag('rate', 200)
const SECONDS = numberFlag('seconds', 10)

async function main() {
  await withBenchStack('idle', async (stack) => {
    const worker = await stack.startHeraldWorker()
    await sleep(5_000)
    const empty = await worker.memory()
    const dbEmpty = await stack.temporalDbBytes()
    const ids = await insertScheduleRows(stack.db, SCHEDULES, sleepingSpec)
    const startMs = await startHeraldSchedules(
      stack.client,
      stack.config.TEMPORAL_TASK_QUEUE,
      ids,
      sleepingSpec,
    )
    console.error(`started ${SCHEDULES} schedule workflows in ${(startMs / 1000).toFixed(1)} s`)
    const started = await worker.memory()
    const publishedMs = await untilLiveStatePublished(stack, SCHEDULES)
    console.error(
      `live state of all ${SCHEDULES} published ${(publishedMs / 1000).toFixed(1)} s after the last start`,
    )
    await sleep(IDLE_S * 1000)
    const idle = await worker.memory()
    const dbIdle = await stack.temporalDbBytes()

    const { baseUrl } = await stack.startApi()
    const results = await runScenarios({
      scenarios: [
        { name: 'GET /schedules?limit=50', url: () => `${baseUrl}/schedules?limit=50` },
        // Spread over all schedules: each reads the schedule's row with the live state its workflow published.
        {
          name: 'GET /schedules/{id}, any of all',
          url: (i) => `${baseUrl}/schedules/${ids[(i * 7919) % ids.length]}`,
        },
      ],
      apiKeys: stack.apiKeys,
      rate: RATE,
      seconds: SECONDS,
    })
    const afterApi = await worker.memory()

    const cache = workflowCacheSize(stack.config)
    console.log(
      `\n## Idle scale: ${SCHEDULES} sleeping schedules, maxCachedWorkflows ${cache} (${machineLine()})\n`,
    )
    console.log(
      markdownTable(
        ['moment', 'worker RSS MB', 'worker peak RSS MB', 'Temporal SQLite MB'],
        [
          ['worker started, no schedules', mb(empty.rss), mb(empty.peakRss), mb(dbEmpty)],
          [
            `${SCHEDULES} started (${(startMs / 1000).toFixed(0)} s; all published their live state ${(publishedMs / 1000).toFixed(0)} s later)`,
            mb(started.rss),
            mb(started.peakRss),
            '',
          ],
          [`after ${IDLE_S} s idle`, mb(idle.rss), mb(idle.peakRss), mb(dbIdle)],
          [
            `after the API load below`,
            mb(afterApi.rss),
            mb(afterApi.peakRss),
            mb(await stack.temporalDbBytes()),
          ],
        ],
      ),
    )
    console.log('')
    console.log(scenarioTable(results, RATE))
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

/** Waits (up to 15 min) until every schedule's workflow has published its live state to its row. */
async function untilLiveStatePublished(stack: BenchStack, count: number): Promise<number> {
  const began = Date.now()
  for (;;) {
    const [row] = await stack.db<{ published: number }[]>`
      SELECT count(live_state)::int AS published FROM herald.schedules`
    if (row!.published >= count) return Date.now() - began
    if (Date.now() - began > 15 * 60_000) throw new Error(`only ${row!.published} of ${count} published`)
    await sleep(1_000)
  }
}
