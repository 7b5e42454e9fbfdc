import { destinationIdempotencyKey } from '../src/activities/destinations/deliver.js'
import type { ChaosSchedule } from './chaos-schedules.js'
import type { WebhookRequest } from './webhook-receiver.js'

/**
 * The webhook half of a scenario's audit: every expected run must have reached the consumer exactly once, by its
 * idempotency key (Herald derives it from (run, destination)). A request the consumer took in is one it answered
 * 200 or read and then lost the connection on (it may have stored it: the RFC 1047 window of webhooks); a 500, a
 * 429 and a bad signature are refusals, not deliveries.
 */
export interface WebhookAudit {
  expected: number
  deliveredOnce: number
  /** The same run taken in under two keys, or a key no run of this scenario explains. */
  duplicates: number
  /** Extra copies with the same idempotency key: a consumer deduplicating on it shows one. */
  sameKeyRedeliveries: number
  lost: number
  /** Recorded permanently_failed in the ledger (never expected here: the receiver refuses only for a while). */
  permanentlyFailed: number
  /** Requests whose Herald-Signature did not verify: counted as a failure of the run. */
  badSignatures: number
  /** Faults the receiver answered: 500, 429 and dropped connections. */
  faults: { status500: number; status429: number; dropped: number }
}

export function emptyWebhookAudit(): WebhookAudit {
  return {
    expected: 0,
    deliveredOnce: 0,
    duplicates: 0,
    sameKeyRedeliveries: 0,
    lost: 0,
    permanentlyFailed: 0,
    badSignatures: 0,
    faults: { status500: 0, status429: 0, dropped: 0 },
  }
}

export interface ExpectedRun {
  schedule: ChaosSchedule
  runId: string
  fireTime: string
  /** The run's status and reason, when it was recorded. */
  run?: { status: string; reason: string | null }
}

export interface DestinationLedgerRow {
  schedule_id: string
  fire_time: Date
  recipient: string
  status: string
  smtp_reply: string | null
  attempts: number
}

export function auditWebhook(options: {
  expectedRuns: ExpectedRun[]
  schedules: ChaosSchedule[]
  requests: readonly WebhookRequest[]
  ledger: DestinationLedgerRow[]
  evidence: string[]
}): WebhookAudit {
  const { expectedRuns, schedules, evidence } = options
  const audit = emptyWebhookAudit()
  const ids = new Set(schedules.map((s) => s.id))
  const mine = options.requests.filter((r) => ids.has(r.scheduleId))
  const byKey = new Map<string, ExpectedRun>()
  for (const item of expectedRuns) {
    byKey.set(destinationIdempotencyKey(item.runId, item.schedule.destinationId), item)
  }
  const ledger = new Map(
    options.ledger.map((d) => [`${d.schedule_id}\n${d.fire_time.toISOString()}\n${d.recipient}`, d]),
  )

  const copies = new Map<string, number>()
  for (const request of mine) {
    if (request.answer === 'status500' || request.answer === 'status429' || request.answer === 'dropped') {
      audit.faults[request.answer]++
    }
    if (request.answer === 'badSignature') {
      audit.badSignatures++
      evidence.push(`webhook: bad signature on ${request.idempotencyKey} (${request.runId})`)
      continue
    }
    if (request.answer !== 'accepted' && request.answer !== 'dropped') continue
    const item = byKey.get(request.idempotencyKey)
    if (!item || item.runId !== request.runId) {
      audit.duplicates++
      evidence.push(
        `webhook: unexplained post ${request.idempotencyKey} for ${request.runId} (no run of this scenario has that key)`,
      )
      continue
    }
    copies.set(request.idempotencyKey, (copies.get(request.idempotencyKey) ?? 0) + 1)
  }

  for (const [key, item] of byKey) {
    audit.expected++
    const n = copies.get(key) ?? 0
    const row = ledger.get(`${item.schedule.id}\n${item.fireTime}\n${item.schedule.destinationId}`)
    if (n >= 1) {
      audit.deliveredOnce++
      if (n > 1) audit.sameKeyRedeliveries += n - 1
      continue
    }
    if (row?.status === 'permanently_failed') {
      audit.permanentlyFailed++
      continue
    }
    audit.lost++
    const run = item.run
    evidence.push(
      `webhook lost: ${item.runId} (key ${key}): run ${run ? `${run.status} (${run.reason ?? ''})` : 'not recorded'}; ledger ${row ? `${row.status}, attempts ${row.attempts}, reply ${row.smtp_reply ?? '-'}` : 'no row'}`,
    )
  }
  return audit
}
