import { DEMO_REPORT_SQL } from '../src/db/demo.js'
import type { ScheduleSpec } from '../src/domain/schedule.js'
import { numberFlag } from './support/args.js'
import { type ChildService, sampleMemory } from './support/child-service.js'
import {
  benchSpec,
  createNativeSchedules,
  heraldScheduleIds,
  startHeraldSchedules,
} from './support/schedules.js'
import { type BenchStack, sleep, withBenchStack } from './support/stack.js'
import { distribution, machineLine, markdownTable, mb, ms, ratio } from './support/stats.js'

/**
 * Burst (issue 7): N schedules all due in the same minute, each querying the demo data, rendering PDF + XLSX and
 * mailing 3 recipients to the in-process SMTP sink. Then the same N runs started by native Temporal Schedules
 * (nativeReportTick → the same reportRun and activities), in a later minute of the same run.
 *
 *   npm run bench:burst -- [--schedules 100] [--native 1] [--timeout 600]
 *
 * Measured per side: due minute → last mail accepted by the sink, mails/s over that span, lateness of the run's
 * first activity (herald.runs.started_at - fire_time), failed runs and deliveries, worker peak RSS while bursting.
 */
const SCHEDULES = numberFlag('schedules', 100)
const WITH_NATIVE = numberFlag('native', 1) === 1
const TIMEOUT_S = numberFlag('timeout', 600)
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
}

async function burst(
  stack: BenchStack,
  name: string,
  worker: ChildService,
  create: (due: Date) => Promise<unknown>,
): Promise<BurstResult> {
  const due = dueMinuteAfter(20_000 + SCHEDULES * 80)
  await create(due)
  if (Date.now() > due.getTime())
    throw new Error(`${name}: setup ran past the due minute ${due.toISOString()}`)
  const mailsBefore = stack.sink.accepted
  const expected = SCHEDULES * RECIPIENTS.length
  console.error(`${name}: ${SCHEDULES} runs due at ${due.toISOString()}`)
  await sleep(due.getTime() - Date.now())
  const memory = sampleMemory(worker)
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
  }
}

async function main() {
  await withBenchStack('burst', async (stack) => {
    const [herald, native] = await Promise.all([
      stack.startHeraldWorker(),
      WITH_NATIVE ? stack.startNativeWorker() : undefined,
    ])
    const results: BurstResult[] = []
    results.push(
      await burst(stack, 'Herald (reportSchedule timers)', herald, (due) =>
        startHeraldSchedules(
          stack.client,
          stack.config.TEMPORAL_TASK_QUEUE,
          heraldScheduleIds(SCHEDULES),
          burstSpec(due, 'Burst'),
        ),
      ),
    )
    if (native) {
      results.push(
        await burst(stack, 'Temporal native Schedules', native, (due) =>
          createNativeSchedules(
            stack.client,
            heraldScheduleIds(SCHEDULES, 'native-bench-'),
            burstSpec(due, 'Burst (native)'),
          ),
        ),
      )
    }
    const base = results[1]
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
          'mails/s',
          'lateness p50 ms',
          'lateness p99 ms',
          'runs sent',
          'runs not sent',
          'deliveries not sent',
          'worker peak RSS MB',
        ],
        results.map((r) => [
          r.name,
          `${r.mails}/${SCHEDULES * RECIPIENTS.length}`,
          r.lastMailS.toFixed(1),
          base ? ratio(r.lastMailS, base.lastMailS) : 'n/a',
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
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
