import { numberFlag } from './support/args.js'
import { sampleMemory } from './support/child-service.js'
import {
  type CpuSnapshot,
  cpuBetween,
  cpuSnapshot,
  cpuTable,
  type MeteredProcess,
} from './support/process-cpu.js'
import {
  benchSpec,
  createNativeSchedules,
  heraldScheduleIds,
  startHeraldSchedules,
} from './support/schedules.js'
import { type BenchStack, sleep, withBenchStack } from './support/stack.js'
import { distribution, machineLine, markdownTable, mb, ms, ratio } from './support/stats.js'
import { heraldWorkPerRun, nativeWorkPerRun, temporalWorkTable } from './support/temporal-work.js'

/**
 * Tick lateness (issue 4): N Herald schedules against N native Temporal Schedules on the same server.
 *
 *   npm run bench:ticks -- [--schedules 1000] [--ticks 3]
 *
 * Herald's schedules fire on even minutes, the native ones on odd minutes, so each side has the machine to itself
 * at its fire time while both run through the same period. Every run does the same work (reportRun: trivial
 * query, CSV, one mail to the in-process sink). Lateness = run start - scheduled time, measured two ways:
 * when the run's workflow started (Temporal visibility), and when its first activity (recordRunStarted) wrote
 * herald.runs.started_at.
 *
 * Also printed (issue 14): CPU seconds per process, per side from the minutes that side fired in, and the Temporal
 * work per run from the histories of `--sample` schedules per side.
 */
const SCHEDULES = numberFlag('schedules', 1000)
const TICKS = numberFlag('ticks', 3)
const SAMPLE = Math.min(numberFlag('sample', 10), SCHEDULES)
const DRAIN_MS = 100_000

const HERALD_CRON = '*/2 * * * *'
const NATIVE_CRON = '1-59/2 * * * *'

interface RunRow {
  native: boolean
  fire_time: Date
  lateness_ms: number
  status: string
  reason: string | null
  drain_ms: number | null
}

async function main() {
  await withBenchStack('ticks', async (stack) => {
    const [herald, native, api] = await Promise.all([
      stack.startHeraldWorker(),
      stack.startNativeWorker(),
      // Running as in a deployment, so its share (idle: schedules are created before the ticks) is measured.
      stack.startApi(),
    ])
    const heraldIds = heraldScheduleIds(SCHEDULES)
    const nativeIds = heraldScheduleIds(SCHEDULES, 'native-bench-')
    const heraldStartMs = await startHeraldSchedules(
      stack.client,
      stack.config.TEMPORAL_TASK_QUEUE,
      heraldIds,
      benchSpec({ name: 'Tick lateness', cron: HERALD_CRON }),
    )
    const nativeStartMs = await createNativeSchedules(
      stack.client,
      nativeIds,
      benchSpec({ name: 'Tick lateness (native)', cron: NATIVE_CRON }),
    )
    console.error(
      `setup: ${SCHEDULES} Herald schedules in ${heraldStartMs} ms, native in ${nativeStartMs} ms`,
    )

    // The measured ticks: the next TICKS even minutes (Herald) and odd minutes (native) after setup.
    const firstMinute = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000
    const minutes = Array.from({ length: TICKS * 2 + 1 }, (_, i) => new Date(firstMinute + i * 60_000))
    const heraldTicks = minutes.filter((m) => m.getUTCMinutes() % 2 === 0).slice(0, TICKS)
    const nativeTicks = minutes.filter((m) => m.getUTCMinutes() % 2 === 1).slice(0, TICKS)
    const lastTick = Math.max(heraldTicks.at(-1)!.getTime(), nativeTicks.at(-1)!.getTime())
    console.error(`measuring ticks ${minutes[0]!.toISOString()} … ${new Date(lastTick).toISOString()}`)

    const heraldMemory = sampleMemory(herald)
    const nativeMemory = sampleMemory(native)
    const fireTimes = [...heraldTicks, ...nativeTicks]
    const fireIsos = fireTimes.map((t) => t.toISOString())
    const expected = fireTimes.length * SCHEDULES
    const metered: MeteredProcess[] = [
      { name: 'temporal', pid: stack.temporalPid },
      { name: 'postgres', pid: stack.postgresPid },
      { name: 'smtp', pid: stack.sink.pid },
      { name: 'api', pid: api.service.pid },
      { name: 'driver', pid: 'self' },
      { name: 'herald', pid: herald.pid },
      { name: 'native', pid: native.pid },
    ]
    // A CPU snapshot at each measured minute, and one when the last run is done: minute i's window is its side's.
    const snapshots: CpuSnapshot[] = []
    const measuredMinutes = minutes.filter((m) => m.getTime() <= lastTick)
    for (const minute of measuredMinutes) {
      await sleep(minute.getTime() - Date.now())
      snapshots.push(await cpuSnapshot(metered))
    }
    const deadline = Date.now() + DRAIN_MS
    while (Date.now() < deadline) {
      const [row] = await stack.db<{ finished: number; started: number }[]>`
        SELECT count(*)::int AS started, count(finished_at)::int AS finished
          FROM herald.runs WHERE fire_time = ANY(${fireIsos}::timestamptz[])`
      console.error(`runs started ${row!.started}/${expected}, finished ${row!.finished}`)
      if (row!.finished >= expected) break
      await sleep(5_000)
    }
    snapshots.push(await cpuSnapshot(metered))
    heraldMemory.stop()
    nativeMemory.stop()
    const workWindow = (ticks: Date[]) => ({
      from: ticks[0]!,
      // Up to the side's next tick (cron */2), so each measured tick's events count once.
      to: new Date(Math.min(ticks.at(-1)!.getTime() + 120_000, Date.now())),
      ticks: ticks.length,
    })
    const sampleIds = (ids: string[]) => ids.slice(0, SAMPLE)
    const heraldWork = await heraldWorkPerRun(
      stack.client,
      sampleIds(heraldIds),
      heraldTicks,
      workWindow(heraldTicks),
    )
    const nativeWork = await nativeWorkPerRun(
      stack.client,
      sampleIds(nativeIds),
      nativeTicks,
      workWindow(nativeTicks),
    )
    await Promise.all(
      nativeIds.map((id) =>
        stack.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => {}),
      ),
    )

    const rows = await stack.db<RunRow[]>`
      SELECT schedule_id LIKE 'native-%' AS native, fire_time, status, reason,
             extract(epoch FROM started_at - fire_time) * 1000 AS lateness_ms,
             extract(epoch FROM finished_at - fire_time) * 1000 AS drain_ms
        FROM herald.runs WHERE fire_time = ANY(${fireIsos}::timestamptz[])`
    const workflowStarts = await workflowStartLateness(stack, fireTimes)

    const side = (isNative: boolean) => {
      const runs = rows.filter((r) => r.native === isNative)
      const ticks = isNative ? nativeTicks : heraldTicks
      // Per tick: when its last run finished.
      const drains = ticks.map((t) =>
        Math.max(
          ...runs.filter((r) => r.fire_time.getTime() === t.getTime()).map((r) => Number(r.drain_ms ?? 0)),
        ),
      )
      // Ticks the schedule recorded instead of running (superseded catch-up ticks, missed ticks) have no run start.
      const ran = runs.filter((r) => r.status !== 'skipped' && r.status !== 'missed')
      const superseded = runs.filter((r) => r.status === 'skipped' && /superseded/.test(r.reason ?? ''))
      const missed = runs.filter((r) => r.status === 'missed')
      return {
        expected: ticks.length * SCHEDULES,
        started: ran.length,
        notRun: runs.length - ran.length,
        superseded: superseded.length,
        missed: missed.length,
        otherPolicy: runs.length - ran.length - superseded.length - missed.length,
        // A tick with no row at all was neither run nor counted: silent loss.
        unrecorded: ticks.length * SCHEDULES - runs.length,
        failed: ran.filter((r) => r.status !== 'sent').length,
        firstActivity: distribution(ran.map((r) => Number(r.lateness_ms))),
        workflowStart: distribution(
          workflowStarts.filter((w) => w.native === isNative).map((w) => w.latenessMs),
        ),
        drainMaxMs: Math.max(...drains),
      }
    }
    const h = side(false)
    const n = side(true)
    const heraldPeak = heraldMemory.peak
    const nativePeak = nativeMemory.peak

    const line = (name: string, s: typeof h, metric: 'workflowStart' | 'firstActivity', peak: number) => {
      const d = s[metric]
      const base = n[metric]
      return [
        name,
        metric === 'workflowStart' ? 'run workflow started' : 'first activity (herald.runs.started_at)',
        `${d.count}/${s.expected}`,
        ms(d.p50),
        ms(d.p95),
        ms(d.p99),
        ms(d.max),
        ratio(d.p99, base.p99),
        `${s.notRun}`,
        `${s.failed}`,
        (s.drainMaxMs / 1000).toFixed(1),
        mb(peak),
      ]
    }
    console.log(`\n## Tick lateness: ${SCHEDULES} schedules, ${TICKS} ticks each (${machineLine()})\n`)
    console.log(
      markdownTable(
        [
          'scheduler',
          'lateness measured at',
          'runs',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'p99 vs native',
          'ticks not run',
          'runs not sent',
          'last run done s',
          'worker peak RSS MB',
        ],
        [
          line('Herald (reportSchedule timers)', h, 'workflowStart', heraldPeak),
          line('Herald (reportSchedule timers)', h, 'firstActivity', heraldPeak),
          line('Temporal native Schedules', n, 'workflowStart', nativePeak),
          line('Temporal native Schedules', n, 'firstActivity', nativePeak),
        ],
      ),
    )

    console.log(`\n### Ticks: what became of each (${TICKS} ticks × ${SCHEDULES} schedules per side)\n`)
    console.log(
      markdownTable(
        [
          'scheduler',
          'ticks due',
          'run',
          'superseded (catch-up latest)',
          'missed (outside catch-up window)',
          'skipped by another policy',
          'counted by a policy, total',
          'no record at all',
        ],
        [['Herald (reportSchedule timers)', h] as const, ['Temporal native Schedules', n] as const].map(
          ([name, s]) => [
            name,
            s.expected,
            s.started,
            s.superseded,
            s.missed,
            s.otherPolicy,
            s.notRun,
            s.unrecorded,
          ],
        ),
      ),
    )
    console.log(
      '\nNative Schedules record nothing in herald.runs for a tick they drop (catch-up window, overlap): those show as "no record at all".',
    )

    const windows = measuredMinutes.map((m, i) => ({
      native: m.getUTCMinutes() % 2 === 1,
      cpu: cpuBetween(snapshots[i]!, snapshots[i + 1]!),
    }))
    const sideCpu = (isNative: boolean, name: string) =>
      windows.filter((w) => w.native === isNative).reduce((sum, w) => sum + (w.cpu.get(name) ?? 0), 0)
    const whole = cpuBetween(snapshots[0]!, snapshots.at(-1)!)
    const row = (label: string, name: string) => ({
      label,
      seconds: [sideCpu(false, name), sideCpu(true, name), whole.get(name) ?? Number.NaN],
    })
    const runsHerald = heraldTicks.length * SCHEDULES
    const runsNative = nativeTicks.length * SCHEDULES
    console.log(
      `\n### CPU seconds per process: Herald's minutes, native's minutes, and the whole measured period\n`,
    )
    console.log(
      cpuTable(
        ["Herald's minutes", "native's minutes", 'whole period (both sides)'],
        [
          row('Temporal dev server (one process, SQLite)', 'temporal'),
          {
            label: 'worker doing the runs (Herald worker / native worker; whole period: both)',
            seconds: [
              sideCpu(false, 'herald'),
              sideCpu(true, 'native'),
              (whole.get('herald') ?? Number.NaN) + (whole.get('native') ?? Number.NaN),
            ],
          },
          {
            label: "the other side's worker, in the same minutes",
            seconds: [sideCpu(false, 'native'), sideCpu(true, 'herald'), Number.NaN],
          },
          row('PostgreSQL (postmaster and all its processes)', 'postgres'),
          row('SMTP sink (its own process)', 'smtp'),
          row('Herald API (idle)', 'api'),
          row('bench driver: Temporal client, progress polling', 'driver'),
        ],
        [runsHerald, runsNative, runsHerald + runsNative],
        [[0, 1]],
      ),
    )
    // Each worker over the whole period: exact whatever the spill, since each worker does only its own side's runs.
    const workerWhole = (name: string, runs: number) => {
      const seconds = whole.get(name) ?? Number.NaN
      return `${seconds.toFixed(1)} s (${((seconds / runs) * 1000).toFixed(0)} ms per run)`
    }
    console.log(
      `\nEach worker over the whole period: Herald ${workerWhole('herald', runsHerald)}, native ${workerWhole('native', runsNative)}, Herald/native ${ratio(whole.get('herald') ?? Number.NaN, whole.get('native') ?? Number.NaN)}.`,
    )
    console.log(
      [
        '',
        "A minute's CPU counts for the side that fired at its start (the last one runs until every run is done).",
        'Exact while each tick is done within its minute; when runs spill into the next minute (large N), the',
        "shared processes' split is approximate, while each worker's whole-period figure stays its own.",
        'The API runs but is idle: schedules are started with the Temporal client before the ticks, as the API would.',
      ].join('\n'),
    )
    console.log(`\n### Temporal work per run (histories of ${SAMPLE} schedules per side, ${TICKS} ticks)\n`)
    console.log(temporalWorkTable(heraldWork, nativeWork))
  })
}

/** Start time of every run workflow for the measured ticks, from Temporal's visibility store. */
async function workflowStartLateness(stack: BenchStack, fireTimes: Date[]) {
  const wanted = new Set(fireTimes.map((t) => t.getTime()))
  const out: { native: boolean; latenessMs: number }[] = []
  const query = `WorkflowType = 'reportRun' OR WorkflowType = 'nativeReportTick'`
  for await (const execution of stack.client.workflow.list({ query, pageSize: 1000 })) {
    // Herald runs are `run/<schedule>/<ISO fire time>`, native ones `<schedule>-<ISO scheduled time>`.
    const iso = /[/-](\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/.exec(execution.workflowId)?.[1]
    const fire = iso ? Date.parse(iso) : Number.NaN
    if (!wanted.has(fire)) continue
    out.push({
      native: execution.type === 'nativeReportTick',
      latenessMs: execution.startTime.getTime() - fire,
    })
  }
  return out
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
