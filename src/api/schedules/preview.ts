import type { Attachment, QueryInput, QueryResult, RenderInput } from '../../activities/types.js'
import { describeCondition, evaluateCondition } from '../../domain/conditions.js'
import { previousFireTime } from '../../domain/cron.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import type { PreviewResult } from '../deps.js'

export interface PreviewParts {
  runQuery: (input: QueryInput) => Promise<QueryResult>
  renderReport: (input: RenderInput) => Promise<Attachment>
  /** Fingerprint of the schedule's last result, so `resultsChanged` previews honestly. */
  previousFingerprint?: (scheduleId: string) => Promise<string | undefined>
}

/**
 * Preview = the run's first three steps (query, condition, render) called directly, for a report period ending
 * now; nothing is mailed and nothing is recorded as a run. Query errors surface as the activities' failures.
 */
export function createPreview(parts: PreviewParts) {
  return async (spec: ScheduleSpec, { scheduleId }: { scheduleId: string }): Promise<PreviewResult> => {
    const now = new Date()
    const run = {
      scheduleId,
      scheduleName: spec.name,
      runId: `preview/${scheduleId}/${now.toISOString()}`,
      fireTime: now.toISOString(),
      periodStart: previousFireTime(spec, now).toISOString(),
      periodEnd: now.toISOString(),
      timezone: spec.timezone,
    }
    const result = await parts.runQuery({ run, query: spec.query })
    const condition = evaluateCondition(spec.condition, {
      result,
      queryFailed: false,
      previousFingerprint: await parts.previousFingerprint?.(scheduleId),
    })
    const attachments: Attachment[] = []
    for (const format of spec.formats) {
      attachments.push(
        await parts.renderReport({
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
}
