import { randomUUID } from 'node:crypto'
import * as runs from '../../db/runs.js'
import type * as schedules from '../../db/schedules.js'
import { type PreviewReportResult, previewReport } from '../../workflows/index.js'
import type { AppDeps } from '../deps.js'

/** Bounds a preview, also when no worker is there to run it: longer than a query may take (QUERY_TIMEOUT_MS). */
const PREVIEW_TIMEOUT_MS = 3 * 60_000

/**
 * Runs a schedule's query, condition and rendering on the worker (the previewReport workflow) and waits for the
 * answer; the rendered files stay in the artifact store, which the API serves through signed links.
 */
export async function runPreview(
  deps: Pick<AppDeps, 'db' | 'temporal'>,
  schedule: { id: string; spec: schedules.ScheduleRow['spec'] },
): Promise<PreviewReportResult> {
  const { db, temporal } = deps
  const previousFingerprint = await runs.lastResultFingerprint(db, schedule.id)
  return temporal.client.workflow.execute(previewReport, {
    workflowId: `preview/${schedule.id}/${randomUUID()}`,
    taskQueue: temporal.taskQueue,
    args: [{ scheduleId: schedule.id, spec: schedule.spec, previousFingerprint }],
    workflowExecutionTimeout: temporal.workTimeoutMs ?? PREVIEW_TIMEOUT_MS,
  })
}
