import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { type ConditionOutcome, describeCondition, evaluateCondition } from '../domain/conditions.js'
import { previousFireTime } from '../domain/cron.js'
import type { Attachment, ColumnInfo } from '../domain/report-data.js'
import type { RunContext } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import { PREVIEW_POLICY } from './activity-policies.js'
import { workflowNow } from './workflow-clock.js'

const { runQuery, renderReport } = wf.proxyActivities<HeraldActivities>(PREVIEW_POLICY)

export interface PreviewReportInput {
  scheduleId: string
  spec: ScheduleSpec
  /** Fingerprint of the schedule's last result, so `resultsChanged` previews honestly. */
  previousFingerprint?: string
}

export interface PreviewReportResult {
  rowCount: number
  columns: ColumnInfo[]
  condition: ConditionOutcome
  /** Files stay in the artifact store; only their ids and metadata travel. */
  attachments: Attachment[]
}

/**
 * A run's first three steps (query, condition, render) for a report period ending now, on the worker: nothing is
 * mailed and nothing is recorded as a run. A failing query fails the workflow with the activity's failure.
 */
export async function previewReport({
  scheduleId,
  spec,
  previousFingerprint,
}: PreviewReportInput): Promise<PreviewReportResult> {
  const now = workflowNow()
  const run: RunContext = {
    scheduleId,
    scheduleName: spec.name,
    runId: `preview/${scheduleId}/${now.toISOString()}`,
    fireTime: now.toISOString(),
    periodStart: previousFireTime(spec, now).toISOString(),
    periodEnd: now.toISOString(),
    timezone: spec.timezone,
  }
  const result = await runQuery({ run, query: spec.query })
  const condition = evaluateCondition(spec.condition, { result, queryFailed: false, previousFingerprint })
  const attachments: Attachment[] = []
  for (const format of spec.formats) {
    attachments.push(
      await renderReport({
        run,
        format,
        resultRef: result.resultRef,
        columns: result.columns,
        rowCount: result.rowCount,
        conditionSummary: describeCondition(spec.condition),
        csvBom: spec.csvBom,
      }),
    )
  }
  return { rowCount: result.rowCount, columns: result.columns, condition, attachments }
}
