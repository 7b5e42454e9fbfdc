import type { ResultSummary } from '../domain/conditions.js'
import type { ReportFormat, ScheduleSpec } from '../domain/schedule.js'
import type { ScheduleState } from '../workflows/messages.js'

/** Contracts between the workflows and the activities. Only small values cross: files travel as artifact ids. */

export type ColumnType = 'integer' | 'number' | 'text' | 'boolean' | 'date' | 'timestamp' | 'json'

export interface ColumnInfo {
  name: string
  type: ColumnType
}

/** The tick a run belongs to, with its report period in the schedule's timezone. */
export interface RunContext {
  scheduleId: string
  scheduleName: string
  runId: string
  /** ISO 8601 UTC. */
  fireTime: string
  periodStart: string
  periodEnd: string
  timezone: string
}

export interface QueryInput {
  run: RunContext
  query: ScheduleSpec['query']
}

export interface QueryResult extends ResultSummary {
  /** Artifact holding the rows as NDJSON (one JSON array per line, in column order). */
  resultRef: string
  columns: ColumnInfo[]
}

export interface RenderInput {
  run: RunContext
  format: ReportFormat
  resultRef: string
  columns: ColumnInfo[]
  rowCount: number
  conditionSummary: string
  csvBom: boolean
}

export interface Attachment {
  artifactId: string
  format: ReportFormat
  filename: string
  contentType: string
  size: number
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'permanently_failed' | 'skipped' | 'suppressed'

export interface DeliveryInput {
  run: RunContext
  mail: ScheduleSpec['mail']
  recipients: ScheduleSpec['recipients']
  attachments: Attachment[]
  rowCount: number
  conditionReason: string
  /** For the optional inline HTML table. */
  resultRef?: string
  columns?: ColumnInfo[]
}

export interface RecipientOutcome {
  email: string
  status: DeliveryStatus
  reply?: string
}

export interface DeliveryReport {
  recipients: RecipientOutcome[]
  sent: number
  alreadySent: number
  suppressed: number
  permanentlyFailed: number
}

export type RunTrigger = 'schedule' | 'catchup' | 'manual'
export type RunStatus = 'running' | 'sent' | 'partial' | 'skipped' | 'failed' | 'missed'

export interface RunStartRecord {
  run: RunContext
  trigger: RunTrigger
}

export interface RunFinishRecord {
  runId: string
  status: RunStatus
  reason?: string
  rowCount?: number
  fingerprint?: string
  conditionSend?: boolean
  attachments?: Attachment[]
  steps: RunStep[]
  error?: string
}

export interface RunStep {
  name: 'query' | 'condition' | 'render' | 'deliver' | 'notify'
  status: 'ok' | 'failed' | 'skipped'
  detail?: string
}

/** A tick that did not start a run (overlap, catch-up, pause, skipNext), recorded so nothing is silently dropped. */
export interface TickRecord {
  scheduleId: string
  runId: string
  fireTime: string
  status: 'skipped' | 'missed'
  reason: string
}

/** The schedule workflow's state query result, published to herald.schedules.live_state. */
export interface ScheduleSnapshot {
  scheduleId: string
  state: ScheduleState
  /** Workflow time of the snapshot (ISO 8601). */
  asOf: string
}

export interface OwnerNotice {
  run: RunContext
  owners: string[]
  error: string
}
