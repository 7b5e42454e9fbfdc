import {
  patched,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { describeCondition, evaluateCondition, wantsErrorReport } from '../domain/conditions.js'
import { settleDeliveries } from '../domain/destination-delivery.js'
import type { Attachment, QueryResult } from '../domain/report-data.js'
import type { RunContext, RunStatus, RunStep, RunTrigger } from '../domain/run.js'
import type { RunFinishRecord } from '../domain/run-records.js'
import { mailsAnyone, type ScheduleSpec } from '../domain/schedule.js'
import { LEDGER_POLICY, NOTIFY_POLICY, QUERY_POLICY, RENDER_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import { type PreviousResult, withinGracePeriod } from './previous-result.js'
import { mailReport } from './quiet-hours.js'
import { DESTINATIONS_PATCH, postToDestinations } from './run-destinations.js'
import { HeraldRecipientCount, HeraldRunOutcome, isIndexed } from './search-attributes.js'

const { runQuery } = proxyActivities<HeraldActivities>(QUERY_POLICY)
const { renderReport } = proxyActivities<HeraldActivities>(RENDER_POLICY)
const { notifyOwners } = proxyActivities<HeraldActivities>(NOTIFY_POLICY)
const { recordRunStarted, recordRunFinished } = proxyActivities<HeraldActivities>(LEDGER_POLICY)

export interface ReportRunInput {
  run: RunContext
  trigger: RunTrigger
  spec: ScheduleSpec
  previous: PreviousResult
  /** Set when the schedule waited for upstream data that never arrived and is configured to fail. */
  dataNotReady?: string
}

export interface ReportRunResult {
  runId: string
  fireTime: string
  trigger: RunTrigger
  status: RunFinishRecord['status']
  reason?: string
  rowCount?: number
  /** The condition's outcome when it was evaluated (escalation counts alerts by it). */
  conditionHeld?: boolean
  /** What the next run compares against; unchanged when this run produced no result. */
  next: PreviousResult
}

/**
 * One tick of a schedule: query → condition → render → send → record. Its id `run/<scheduleId>/<fireTime>` makes
 * the tick impossible to run twice; the delivery ledger makes each recipient's mail impossible to send twice.
 */
export async function reportRun(input: ReportRunInput): Promise<ReportRunResult> {
  const { run, spec, previous } = input
  const steps: RunStep[] = []
  const finish = async (
    record: Omit<RunFinishRecord, 'runId' | 'steps'>,
    next = previous,
    ownersNotified = false,
  ) => {
    const failed = record.status === 'failed' || record.status === 'partial'
    if (failed && spec.notifyOwnersOnFailure && !ownersNotified) {
      await notifyOwnersSafely(run, spec.owners, record.error ?? record.reason ?? record.status, steps)
    }
    showOutcome(record.status, record.reason, reached)
    await recordRunFinished.executeWithOptions({ summary: `record the run as ${record.status}` }, [
      { runId: run.runId, steps, ...record },
    ])
    return {
      runId: run.runId,
      fireTime: run.fireTime,
      trigger: input.trigger,
      status: record.status,
      reason: record.reason,
      rowCount: record.rowCount,
      conditionHeld: record.conditionSend,
      next,
    } satisfies ReportRunResult
  }

  /** Recipients the delivery reached or tried, once it ran. */
  let reached: number | undefined
  await recordRunStarted.executeWithOptions({ summary: `record the ${input.trigger} run as started` }, [
    { run, trigger: input.trigger },
  ])

  if (input.dataNotReady) {
    steps.push({ name: 'query', status: 'skipped', detail: input.dataNotReady })
    return finish({ status: 'failed', reason: input.dataNotReady, error: input.dataNotReady })
  }

  let result: QueryResult | undefined
  let queryError: string | undefined
  try {
    setCurrentDetails(`querying data source ${spec.query.dataSource}`)
    const queryResult = await runQuery.executeWithOptions(
      { summary: `query data source ${spec.query.dataSource}` },
      [{ run, query: spec.query }],
    )
    steps.push({ name: 'query', status: 'ok', detail: `${queryResult.rowCount} rows` })
    result = queryResult
  } catch (err) {
    queryError = failureMessage(err)
    steps.push({ name: 'query', status: 'failed', detail: queryError })
  }

  const outcome = evaluateCondition(spec.condition, {
    result,
    queryFailed: queryError !== undefined,
    previousFingerprint: previous.fingerprint,
  })

  if (!result) {
    if (outcome.send && wantsErrorReport(spec.condition)) {
      steps.push({ name: 'condition', status: 'ok', detail: outcome.reason })
      await notifyOwnersSafely(run, spec.owners, queryError ?? 'query failed', steps)
      return finish(
        { status: 'failed', reason: 'query failed; owners notified (onError)', error: queryError },
        previous,
        true,
      )
    }
    return finish({ status: 'failed', reason: 'query failed', error: queryError })
  }

  const next: PreviousResult = {
    ...previous,
    fingerprint: result.fingerprint,
    conditionWasTrue: outcome.send,
  }
  const summary = { rowCount: result.rowCount, fingerprint: result.fingerprint, conditionSend: outcome.send }
  if (!outcome.send) {
    steps.push({ name: 'condition', status: 'skipped', detail: outcome.reason })
    return finish({ status: 'skipped', reason: outcome.reason, ...summary }, next)
  }
  if (withinGracePeriod(previous, run.fireTime, spec.renotifyGraceMinutes)) {
    const reason = `condition still true (${outcome.reason}); last sent ${previous.lastSentAt}, within the ${spec.renotifyGraceMinutes} min re-notify grace period`
    steps.push({ name: 'condition', status: 'skipped', detail: reason })
    return finish({ status: 'skipped', reason, ...summary }, next)
  }
  steps.push({ name: 'condition', status: 'ok', detail: outcome.reason })

  const queried = result
  let attachments: Attachment[]
  try {
    setCurrentDetails(`rendering ${spec.formats.join(', ')} (${queried.rowCount} rows)`)
    attachments = await Promise.all(
      spec.formats.map((format) =>
        renderReport.executeWithOptions(
          { summary: `render ${format.toUpperCase()} ${queried.rowCount} rows` },
          [
            {
              run,
              format,
              resultRef: queried.resultRef,
              columns: queried.columns,
              rowCount: queried.rowCount,
              conditionSummary: `${describeCondition(spec.condition)}: ${outcome.reason}`,
              csvBom: spec.csvBom,
            },
          ],
        ),
      ),
    )
    steps.push({
      name: 'render',
      status: 'ok',
      detail: attachments.map((a) => `${a.filename} (${a.size} B)`).join(', '),
    })
  } catch (err) {
    const error = failureMessage(err)
    steps.push({ name: 'render', status: 'failed', detail: error })
    return finish({ status: 'failed', reason: 'rendering failed', error, ...summary }, next)
  }

  const content = {
    run,
    attachments,
    rowCount: result.rowCount,
    conditionReason: outcome.reason,
    resultRef: result.resultRef,
    columns: result.columns,
  }
  // Destinations post beside the mail; a run recorded before them replays without (the patch).
  const destinationIds = spec.destinations ?? []
  const posted =
    destinationIds.length > 0 && patched(DESTINATIONS_PATCH)
      ? postToDestinations(content, destinationIds)
      : Promise.resolve([])

  // Quiet hours (patched inside): recipients in theirs are mailed later by a child workflow.
  const mailed = mailsAnyone(spec.recipients) ? await mailReport(content, spec) : undefined
  const settled = settleDeliveries(mailed?.mail, await posted)
  steps.push(...settled.steps, ...(mailed?.deferredSteps ?? []))
  reached = settled.reached
  const sentNext = settled.delivered > 0 ? { ...next, lastSentAt: run.fireTime } : next
  const reason = mailed?.deferredNote ? `${settled.reason}; ${mailed.deferredNote}` : settled.reason
  return finish({ status: settled.status, reason, error: settled.error, attachments, ...summary }, sentNext)
}

/** The run's outcome, for the UI: current details, and the search attributes when it was started indexed. */
function showOutcome(status: RunStatus, reason: string | undefined, reached: number | undefined): void {
  setCurrentDetails(`${status}${reason ? `: ${reason}` : ''}`)
  if (!isIndexed(workflowInfo().typedSearchAttributes)) return
  upsertSearchAttributes([
    { key: HeraldRunOutcome, value: status },
    ...(reached === undefined ? [] : [{ key: HeraldRecipientCount, value: reached }]),
  ])
}

async function notifyOwnersSafely(run: RunContext, owners: string[], error: string, steps: RunStep[]) {
  if (owners.length === 0) return
  try {
    await notifyOwners.executeWithOptions({ summary: `notify ${owners.length} owner(s) of the failure` }, [
      { run, owners, error },
    ])
    steps.push({ name: 'notify', status: 'ok', detail: `owners notified: ${owners.join(', ')}` })
  } catch (err) {
    steps.push({ name: 'notify', status: 'failed', detail: failureMessage(err) })
  }
}
