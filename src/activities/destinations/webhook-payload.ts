import { createHmac } from 'node:crypto'
import type { ReportSummary } from './report-summary.js'

/**
 * The signed webhook (docs/DELIVERY.md, "Signed webhooks"): a JSON run summary with signed download links, and
 * `Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The receiver recomputes the
 * HMAC over the raw body and refuses a `t` outside its replay window (5 minutes is suggested).
 */
export const SIGNATURE_HEADER = 'Herald-Signature'
export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
export const WEBHOOK_EVENT = 'report.delivered'

export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

export function webhookPayload(summary: ReportSummary, idempotencyKey: string, test = false) {
  return {
    type: test ? 'destination.test' : WEBHOOK_EVENT,
    id: idempotencyKey,
    schedule: { id: summary.scheduleId, name: summary.scheduleName },
    run: { id: summary.runId, fireTime: summary.fireTime },
    period: { start: summary.period.start, end: summary.period.end, timezone: summary.period.timezone },
    condition: summary.condition,
    rowCount: summary.rowCount,
    table: { columns: summary.table.columns, rows: summary.table.rows },
    files: summary.files,
  }
}
