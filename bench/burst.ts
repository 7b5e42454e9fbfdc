import { DEMO_REPORT_SQL } from '../src/db/demo.js'
import type { ScheduleSpec } from '../src/domain/schedule.js'
import { numberFlag } from './support/args.js'
import { type ChildService, sampleMemory } from './support/child-service.js'
import { type CpuSnapshot, cpuTable, cpuWindow, type MeteredProcess } from './support/process-cpu.js'
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
 * Burst (issues 7 and 14): N schedules all due in the same minute, each querying the demo data, rendering PDF +
 * XLSX and mailing 3 recipients to the in-process SMTP sink. Then the same N runs started by native Temporal
 * Schedules (nativeReportTick → the same reportRun and activities), then the same N reports done by the limit
 * baseline (limit-runner.ts: a plain Node process, the same activity code and activity concurrency, no Temporal),
 * each in a later minute of the same run.
 *
 *   npm run bench:burst -- [--schedules 100] [--native 1] [--limit 1] [--sample 10] [--timeout 600]
 *
 * Measured per side: due minute → last mail accepted by the sink, mails/s over that span, lateness of the run's
 * first activity (herald.runs.started_at - fire_time), failed runs and deliveries, peak RSS of the process doing
 * the runs; CPU seconds per process over the side's own window (due minute → all its runs finished); artifact
 * store bytes; and, from the histories of `--sample` schedules, the Temporal work per run.
 */
const SCHEDULES = numberFlag('schedules', 100)
const WITH_NATIVE = numberFlag('native', 1) === 1
const WITH_LIMIT = numberFlag('limit', 1) === 1
const SAMPLE = Math.min(numberFlag('sample', 10), SCHEDULES)
const TIMEOUT_S = numberFlag('timeout', 600)
/** The limit baseline's activity concurrency: the SDK's default maxConcurrentActivityTaskExecutions, which
 * Herald's worker (and the native one) leave as it is. */
const WORKER_ACTIVITY_SLOTS = 100
const RECIPIENTS = ['finance@bench.test', 'sales@bench.test', 'ops@bench.test']

/** A cron for exactly one minute of the year, in UTC. */
function cronForMinute(due: Date): string {
  return `${due.getUTCMinutes()} ${due.getUTCHours()} ${due.getUTCDate()} ${due.getUTCMonth() + 1} *`
}

function burstSpec(due: Date, name: string): ScheduleSpec {
  return benchSpec({
    name,
    cron: cronForMinute(due),
    query: { sql: DEMO_REPORT_SQL },
    formats: ['pdf', 'xlsx'],
    recipients: { to: RECIPIENTS },
    mail: { subject: '{{schedule}}: {{row_count}} regions', inlineRows: 8 },
  })
}

/** The first whole minute that leaves `leadMs` for setting up. */
const dueMinuteAfter = (leadMs: number) => new Date(Math.ceil((Date.now() + leadMs) / 60_000) * 60_000)

interface BurstResult {
  name: string
  due: Date
  mails: number
  lastMailS: number
  mailsPerS: number
  lateness: ReturnType<typeof distribution>
  runsSent: number
  runsNotSent: number
  deliveriesFailed: number
  peakRss: number
  /** CPU seconds per metered process over this side's window. */
  cpu: CpuSnapshot
  artifacts: { before: { files: number; bytes: number }; after: { files: number; bytes: number } }
}

async function burst(
  stack: BenchStack,
  name: string,
  /** The process doing the runs (asked for once `create` is done). */
  worker: () => ChildService,
  create: (due: Date) => Promise<unknown>,
  metered: () => MeteredProcess[],
): Promise<BurstResult> {
  const due = dueMinuteAfter(20_000 + SCHEDULES * 80)
  await create(due)
  if (Date.now() > due.getTime())
    throw new Error(`${name}: setup ran past the due minute ${due.toISOString()}`)
  const mailsBefore = stack.sink.accepted
  const expected = SCHEDULES * RECIPIENTS.length
  console.error(`${name}: ${SCHEDULES} runs due at ${due.toISOString()}`)
  const artifactsBefore = await stack.artifactUsage()
  await sleep(due.getTime() - Date.now())
  const cpu = await cpuWindow(metered())
  const memory = sampleMemory(worker())
  const deadline = Date.now() + TIMEOUT_S * 1000
  for (;;) {
    const [runs] = await stack.db<{ open: number; done: number }[]>`
      SELECT count(*) FILTER (WHERE finished_at IS NULL)::int AS open, count(finished_at)::int AS done
        FROM herald.runs WHERE fire_time = ${due}`
    const mails = stack.sink.accepted - mailsBefore
    console.error(`${name}: ${mails}/${expected} mails, runs finished ${runs!.done}/${SCHEDULES}`)
    if (runs!.done >= SCHEDULES || Date.now() > deadline) break
    await sleep(2_000)
  }
  const cpuSeconds = await cpu.end()
  memory.stop()
  const mails = stack.sink.accepted - mailsBefore
  const lastMailS = (stack.sink.lastAcceptedAt - due.getTime()) / 1000
  const runs = await stack.db<{ status: string; lateness_ms: number }[]>`
    SELECT status, extract(epoch FROM started_at - fire_time) * 1000 AS lateness_ms
      FROM herald.runs WHERE fire_time = ${due}`
  const [deliveries] = await stack.db<{ failed: number }[]>`
    SELECT count(*) FILTER (WHERE status <> 'sent')::int AS failed FROM herald.deliveries WHERE fire_time = ${due}`
  const sent = runs.filter((r) => r.status === 'sent').length
  return {
    name,
    due,
    mails,
    lastMailS,
    mailsPerS: mails / lastMailS,
    lateness: distribution(runs.map((r) => Number(r.lateness_ms))),
    runsSent: sent,
    runsNotSent: SCHEDULES - sent,
    deliveriesFailed: deliveries!.failed,
    peakRss: memory.peak,
    cpu: cpuSeconds,
    artifacts: { before: artifactsBefore, after: await stack.artifactUsage() },
  }
}

async function main() {
  await withBenchStack('burst', async (stack) => {
    const [herald, native] = await Promise.all([
      stack.startHeraldWorker(),
      WITH_NATIVE ? stack.startNativeWorker() : undefined,
    ])
    let limit: ChildService | undefined
    // Every process of the stack that is running at the start of a window; the bench driver is this process.
    const metered = (): MeteredProcess[] => [
      { name: 'temporal', pid: stack.temporalPid },
      { name: 'postgres', pid: stack.postgresPid },
      { name: 'driver', pid: 'self' },
      { name: 'herald', pid: herald.pid },
      ...(native ? [{ name: 'native', pid: native.pid }] : []),
      ...(limit ? [{ name: 'limit', pid: limit.pid }] : []),
    ]
    const heraldIds = heraldScheduleIds(SCHEDULES)
    const nativeIds = heraldScheduleIds(SCHEDULES, 'native-bench-')
    const results: (BurstResult & { doer: string })[] = []
    results.push({
      doer: 'herald',
      ...(await burst(
        stack,
        'Herald (reportSchedule timers)',
        () => herald,
        (due) =>
          startHeraldSchedules(
            stack.client,
            stack.config.TEMPORAL_TASK_QUEUE,
            heraldIds,
            burstSpec(due, 'Burst'),
          ),
        metered,
      )),
    })
    if (native) {
      results.push({
        doer: 'native',
        ...(await burst(
          stack,
          'Temporal native Schedules',
          () => native,
          (due) => createNativeSchedules(stack.client, nativeIds, burstSpec(due, 'Burst (native)')),
          metered,
        )),
      })
    }
    if (WITH_LIMIT) {
      // The runner is started inside `create`, so it is ready (services open) before its due minute.
      const limitResult = await burst(
        stack,
        'limit: plain Node, same activities and concurrency, no Temporal',
        () => limit!,
        async (due) => {
          limit = await stack.startLimitRunner({
            runs: SCHEDULES,
            at: due,
            spec: burstSpec(due, 'Burst (limit)'),
            schedulePrefix: 'limit-bench-',
            concurrency: WORKER_ACTIVITY_SLOTS,
          })
        },
        metered,
      )
      if (!limit!.output().includes(`limit runner done: ${SCHEDULES}/${SCHEDULES}`))
        console.error(`limit runner output:\n${limit!.output().slice(-4000)}`)
      results.push({ doer: 'limit', ...limitResult })
    }

    // Temporal work per run, from the histories of a sample, read once every side is done.
    const heraldResult = results[0]!
    const nativeResult = results.find((r) => r.doer === 'native')
    const end = new Date()
    const heraldWork = await heraldWorkPerRun(stack.client, heraldIds.slice(0, SAMPLE), [heraldResult.due], {
      from: heraldResult.due,
      to: end,
      ticks: 1,
    })
    const nativeWork = nativeResult
      ? await nativeWorkPerRun(stack.client, nativeIds.slice(0, SAMPLE), [nativeResult.due], {
          from: nativeResult.due,
          to: end,
          ticks: 1,
        })
      : undefined

    const base = nativeResult
    const limitBase = results.find((r) => r.doer === 'limit')
    console.log(
      `\n## Burst: ${SCHEDULES} schedules due in the same minute, PDF + XLSX + 3 mails (${machineLine()})\n`,
    )
    console.log(
      markdownTable(
        [
          'started by',
          'mails accepted',
          'due → last mail s',
          'vs native',
          'vs limit',
          'mails/s',
          'lateness p50 ms',
          'lateness p99 ms',
          'runs sent',
          'runs not sent',
          'deliveries not sent',
          'peak RSS MB (process doing the runs)',
        ],
        results.map((r) => [
          r.name,
          `${r.mails}/${SCHEDULES * RECIPIENTS.length}`,
          r.lastMailS.toFixed(1),
          base ? ratio(r.lastMailS, base.lastMailS) : 'n/a',
          limitBase ? ratio(r.lastMailS, limitBase.lastMailS) : 'n/a',
          r.mailsPerS.toFixed(1),
          ms(r.lateness.p50),
          ms(r.lateness.p99),
          r.runsSent,
          r.runsNotSent,
          r.deliveriesFailed,
          mb(r.peakRss),
        ]),
      ),
    )

    const workers: Record<string, string> = {
      herald: 'Herald worker',
      native: 'native baseline worker',
      limit: 'limit runner',
    }
    const doers = results.map((r) => r.doer)
    const column = (doer: string) => doers.indexOf(doer)
    const cpu = (r: BurstResult, name: string) => r.cpu.get(name) ?? Number.NaN
    console.log(
      `\n### CPU seconds per process, each side over its own window (due minute → its last run finished)\n`,
    )
    console.log(
      cpuTable(
        results.map((r) => workers[r.doer]!.replace(/ worker| runner/, '')),
        [
          {
            label: 'Temporal dev server (one process, SQLite)',
            seconds: results.map((r) => cpu(r, 'temporal')),
          },
          {
            label: 'process doing the runs (Herald worker / native worker / limit runner)',
            seconds: results.map((r) => cpu(r, r.doer)),
          },
          {
            label: 'the other workers, idle in this window',
            seconds: results.map((r) =>
              ['herald', 'native', 'limit']
                .filter((d) => d !== r.doer)
                .reduce((sum, d) => sum + (Number.isFinite(cpu(r, d)) ? cpu(r, d) : 0), 0),
            ),
          },
          {
            label: 'PostgreSQL (postmaster and all its processes)',
            seconds: results.map((r) => cpu(r, 'postgres')),
          },
          {
            label: 'bench driver: in-process SMTP sink, Temporal client, progress polling',
            seconds: results.map((r) => cpu(r, 'driver')),
          },
        ],
        results.map(() => SCHEDULES),
        [
          [column('herald'), column('native')],
          [column('herald'), column('limit')],
          [column('native'), column('limit')],
        ].filter(([a, b]) => a! >= 0 && b! >= 0) as [number, number][],
      ),
    )
    console.log(
      '\nAPI: not running in this benchmark (schedules are started with the Temporal client, as the API would).',
    )

    console.log(`\n### Temporal work per run (histories of ${SAMPLE} schedules per side)\n`)
    console.log(temporalWorkTable(heraldWork, nativeWork))

    console.log(`\n### Artifact store (rendered files and query results)\n`)
    console.log(
      markdownTable(
        ['side', 'files before', 'MB before', 'files after', 'MB after', 'files per run', 'KB per run'],
        results.map((r) => [
          r.name,
          r.artifacts.before.files,
          (r.artifacts.before.bytes / 1024 / 1024).toFixed(1),
          r.artifacts.after.files,
          (r.artifacts.after.bytes / 1024 / 1024).toFixed(1),
          ((r.artifacts.after.files - r.artifacts.before.files) / SCHEDULES).toFixed(1),
          ((r.artifacts.after.bytes - r.artifacts.before.bytes) / 1024 / SCHEDULES).toFixed(1),
        ]),
      ),
    )
    const last = results.at(-1)!.artifacts.after
    console.log(
      `\nartifact store total after the run: ${last.files} files, ${(last.bytes / 1024 / 1024).toFixed(1)} MB`,
    )
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
