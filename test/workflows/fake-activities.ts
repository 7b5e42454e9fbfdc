import type { HeraldActivities } from '../../src/activities/index.js'
import type { DeliveryInput, DeliveryReport } from '../../src/domain/delivery.js'
import type { DestinationDeliveryInput, DestinationOutcome } from '../../src/domain/destination-delivery.js'
import type { EscalationNotice } from '../../src/domain/escalation.js'
import type { RecipientQuietHours } from '../../src/domain/recipient-preferences.js'
import type { Attachment, QueryInput, QueryResult, RenderInput } from '../../src/domain/report-data.js'
import type {
  OwnerNotice,
  RunFinishRecord,
  RunStartRecord,
  TickRecord,
} from '../../src/domain/run-records.js'
import type { ScheduleSnapshot } from '../../src/domain/schedule-state.js'

/**
 * Activities for testing the workflows' timing and decisions in isolation, typed against the real ones
 * (the dependency-injection pattern): they record every call and return what the test scripts.
 */
export interface ScriptedActivities {
  query?: (input: QueryInput, call: number) => Promise<QueryResult> | QueryResult
  deliver?: (input: DeliveryInput) => Promise<DeliveryReport> | DeliveryReport
  destination?: (input: DestinationDeliveryInput) => Promise<DestinationOutcome> | DestinationOutcome
  /** `call` counts every attempt, retries included. */
  escalation?: (notice: EscalationNotice, call: number) => Promise<string> | string
  /** Recipients in quiet hours (none unless scripted). */
  quietHours?: () => RecipientQuietHours[]
}

export function result(rowCount: number, fingerprint = `fp-${rowCount}`, revenue?: number): QueryResult {
  return {
    rowCount,
    fingerprint,
    resultRef: 'artifact-1',
    columns: [{ name: 'revenue', type: 'number' }],
    numericColumns:
      revenue === undefined ? {} : { revenue: { count: rowCount, sum: revenue, min: revenue, max: revenue } },
  }
}

export function createFakeActivities(script: ScriptedActivities = {}) {
  const calls = {
    runQuery: [] as QueryInput[],
    renderReport: [] as RenderInput[],
    deliverReport: [] as DeliveryInput[],
    deliverToDestination: [] as DestinationDeliveryInput[],
    notifyOwners: [] as OwnerNotice[],
    notifyEscalation: [] as EscalationNotice[],
    postEscalation: [] as { notice: EscalationNotice; destinationId: string }[],
    recipientQuietHours: [] as { scheduleId: string }[],
    recordRunStarted: [] as RunStartRecord[],
    recordRunFinished: [] as RunFinishRecord[],
    recordTick: [] as TickRecord[],
    publishScheduleState: [] as ScheduleSnapshot[],
  }
  const activities = {
    async runQuery(input: QueryInput) {
      calls.runQuery.push(input)
      return script.query ? script.query(input, calls.runQuery.length) : result(3)
    },
    async renderReport(input: RenderInput): Promise<Attachment> {
      calls.renderReport.push(input)
      return {
        artifactId: `a-${input.format}`,
        format: input.format,
        filename: `r.${input.format}`,
        contentType: 'x',
        size: 1,
      }
    },
    async deliverReport(input: DeliveryInput): Promise<DeliveryReport> {
      calls.deliverReport.push(input)
      if (script.deliver) return script.deliver(input)
      const emails = input.recipients.to
      return {
        recipients: emails.map((email) => ({ email, status: 'sent' as const })),
        sent: emails.length,
        alreadySent: 0,
        suppressed: 0,
        permanentlyFailed: 0,
      }
    },
    async deliverToDestination(input: DestinationDeliveryInput): Promise<DestinationOutcome> {
      calls.deliverToDestination.push(input)
      if (script.destination) return script.destination(input)
      return { destinationId: input.destinationId, status: 'sent', alreadySent: false, reply: '200 OK' }
    },
    async recipientQuietHours(input: { scheduleId: string }): Promise<RecipientQuietHours[]> {
      calls.recipientQuietHours.push(input)
      return script.quietHours ? script.quietHours() : []
    },
    async notifyOwners(notice: OwnerNotice) {
      calls.notifyOwners.push(notice)
    },
    async notifyEscalation(notice: EscalationNotice): Promise<string> {
      calls.notifyEscalation.push(notice)
      if (script.escalation) return script.escalation(notice, calls.notifyEscalation.length)
      return `${notice.notify.to.length} notified now, 0 before`
    },
    async postEscalation(input: { notice: EscalationNotice; destinationId: string }): Promise<string> {
      calls.postEscalation.push(input)
      return `${input.destinationId}: 200 OK`
    },
    async recordRunStarted(record: RunStartRecord) {
      calls.recordRunStarted.push(record)
    },
    async recordRunFinished(record: RunFinishRecord) {
      calls.recordRunFinished.push(record)
    },
    async recordTick(record: TickRecord) {
      calls.recordTick.push(record)
    },
    async publishScheduleState(snapshot: ScheduleSnapshot) {
      calls.publishScheduleState.push(snapshot)
    },
  } satisfies Partial<HeraldActivities>
  return { activities, calls }
}
