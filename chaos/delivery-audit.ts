import { reportMessageId } from '../src/activities/mail/compose.js'
import type { Database } from '../src/db/client.js'
import type { ReceivedMail } from '../test/support/smtp.js'
import { type ChaosSchedule, SCENARIO_HEADER } from './chaos-schedules.js'
import { emptyAudit } from './scenario.js'
import { auditWebhook, type ExpectedRun, type WebhookAudit } from './webhook-audit.js'
import type { WebhookRequest } from './webhook-receiver.js'

/**
 * After a scenario has settled: for every expected (schedule, fire time, recipient) — every run recorded with
 * status sent/partial/failed/running plus every cron tick in the scenario's window — did the mail arrive exactly
 * once, or is it recorded permanently_failed / suppressed in the delivery ledger? Mails are attributed by their
 * Message-ID, which Herald derives from (run, recipient). The same runs are audited against the webhook receiver by
 * idempotency key (webhook-audit.ts).
 */

export interface ScenarioAudit {
  scenario: string
  runs: number
  /** Ticks recorded as skipped or missed (no mail expected), with reasons. */
  ticksNotRun: number
  recipients: number
  deliveredOnce: number
  /** The same (schedule, fire time, recipient) received under two or more different Message-IDs, or a mail no run explains. */
  duplicates: number
  /** Extra copies with the same Message-ID: the documented RFC 1047 window. */
  sameMessageIdRedeliveries: number
  lost: number
  permanentlyFailed: number
  suppressed: number
  /** reply → count, for permanently failed and suppressed recipients. */
  failureReasons: Map<string, number>
  /** The schedules' signed webhook: every expected run taken in once by idempotency key. */
  webhook: WebhookAudit
  /** One line per lost or duplicated delivery: enough to find it in the logs and the database. */
  evidence: string[]
  notes: string[]
}

interface RunRow {
  id: string
  schedule_id: string
  fire_time: Date
  status: string
  reason: string | null
  error: string | null
  steps: unknown
}

interface DeliveryRow {
  schedule_id: string
  fire_time: Date
  recipient: string
  run_id: string
  status: string
  message_id: string | null
  smtp_reply: string | null
  attempts: number
}

const MAILED_STATUSES = new Set(['sent', 'partial', 'failed', 'running'])

export async function auditScenario(options: {
  scenario: string
  db: Database
  schedules: ChaosSchedule[]
  received: ReceivedMail[]
  webhookRequests: readonly WebhookRequest[]
  mailFrom: string
}): Promise<ScenarioAudit> {
  const { scenario, db, schedules, mailFrom } = options
  const ids = schedules.map((s) => s.id)
  const runs = await db<RunRow[]>`
    SELECT id, schedule_id, fire_time, status, reason, error, steps FROM herald.runs
     WHERE schedule_id IN ${db(ids)} ORDER BY fire_time`
  const deliveries = await db<DeliveryRow[]>`
    SELECT schedule_id, fire_time, recipient, run_id, status, message_id, smtp_reply, attempts
      FROM herald.deliveries WHERE schedule_id IN ${db(ids)}`
  const ledger = new Map(deliveries.map((d) => [`${d.run_id}\n${d.recipient}`, d]))
  const ledgerByTick = new Map(
    deliveries.map((d) => [`${d.schedule_id}\n${d.fire_time.toISOString()}\n${d.recipient}`, d]),
  )
  const mails = options.received.filter((m) => headerOf(m, SCENARIO_HEADER) === scenario)

  const audit = emptyAudit(scenario)

  // Every Message-ID a run of these schedules could have used, mapped to its (run, recipient).
  interface Expected {
    schedule: ChaosSchedule
    runId: string
    fireTime: string
    recipient: string
    run?: RunRow
  }
  const expected = new Map<string, Expected>()
  const byMessageId = new Map<string, Expected>()
  const expectedRuns: ExpectedRun[] = []
  const expect = (schedule: ChaosSchedule, runId: string, fireTime: string, run?: RunRow) => {
    expectedRuns.push({ schedule, runId, fireTime, run })
    for (const address of schedule.recipients) {
      const recipient = address.toLowerCase()
      const item = { schedule, runId, fireTime, recipient, run }
      expected.set(`${runId}\n${recipient}`, item)
      byMessageId.set(reportMessageId(runId, recipient, mailFrom), item)
    }
  }

  const recordedTicks = new Set(runs.map((r) => r.id))
  for (const run of runs) {
    const schedule = schedules.find((s) => s.id === run.schedule_id)!
    if (MAILED_STATUSES.has(run.status)) {
      audit.runs++
      expect(schedule, run.id, run.fire_time.toISOString(), run)
    } else {
      audit.ticksNotRun++
      audit.notes.push(`${run.id} ${run.status}: ${run.reason}`)
    }
  }
  // Cron ticks that fell well inside the window must have a run; one with no row at all lost all its mail.
  for (const schedule of schedules) {
    for (const tick of cronTicks(schedule)) {
      const runId = `run/${schedule.id}/${tick.toISOString()}`
      if (recordedTicks.has(runId)) continue
      audit.notes.push(`${runId}: tick never recorded in herald.runs`)
      expect(schedule, runId, tick.toISOString())
    }
  }

  // Count received copies per expected delivery; mails that map to nothing are duplicates of unknown origin.
  const copies = new Map<string, number>()
  for (const mail of mails) {
    const messageId = mail.parsed.messageId ?? ''
    const item = byMessageId.get(messageId)
    const to = mail.envelopeTo.map((a) => a.toLowerCase())
    if (!item || !to.includes(item.recipient)) {
      audit.duplicates++
      audit.evidence.push(
        `unexplained mail ${messageId} to ${to.join(',')} subject "${mail.parsed.subject}" (no run/recipient of this scenario has that Message-ID)`,
      )
      continue
    }
    const key = `${item.runId}\n${item.recipient}`
    copies.set(key, (copies.get(key) ?? 0) + 1)
  }

  for (const [key, item] of expected) {
    audit.recipients++
    const n = copies.get(key) ?? 0
    const row =
      ledger.get(key) ?? ledgerByTick.get(`${item.schedule.id}\n${item.fireTime}\n${item.recipient}`)
    if (n >= 1) {
      audit.deliveredOnce++
      if (n > 1) {
        audit.sameMessageIdRedeliveries += n - 1
        audit.evidence.push(
          `same Message-ID ×${n}: ${item.runId} → ${item.recipient} (ledger ${row?.status ?? 'none'}, attempts ${row?.attempts ?? 0}, reply ${row?.smtp_reply ?? '-'})`,
        )
      }
      continue
    }
    if (row?.status === 'permanently_failed' || row?.status === 'suppressed') {
      if (row.status === 'permanently_failed') audit.permanentlyFailed++
      else audit.suppressed++
      const reason = `${row.status}: ${(row.smtp_reply ?? '').slice(0, 80)}`
      audit.failureReasons.set(reason, (audit.failureReasons.get(reason) ?? 0) + 1)
      continue
    }
    audit.lost++
    const run = item.run
    audit.evidence.push(
      `lost: ${item.runId} → ${item.recipient}: run ${run ? `${run.status} (${run.reason ?? ''}${run.error ? `; ${run.error}` : ''})` : 'not recorded'}; ledger ${row ? `${row.status}, attempts ${row.attempts}, reply ${row.smtp_reply ?? '-'}` : 'no row'}`,
    )
  }
  audit.webhook = auditWebhook({
    expectedRuns,
    schedules,
    requests: options.webhookRequests,
    ledger: deliveries,
    evidence: audit.evidence,
  })
  return audit
}

/** Cron ticks after the start (+1 s) up to the last one seen started: the workflow must have run each of them. */
function cronTicks(schedule: ChaosSchedule): Date[] {
  const step = schedule.intervalSeconds * 1000
  const from = schedule.startedAt.getTime() + 1_000
  const to = (schedule.auditUntil ?? new Date()).getTime()
  const ticks: Date[] = []
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(new Date(t))
  return ticks
}

function headerOf(mail: ReceivedMail, name: string): string | undefined {
  const value = mail.parsed.headers.get(name.toLowerCase())
  return typeof value === 'string' ? value : undefined
}
