import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common'
import * as wf from '@temporalio/workflow'
import { previousFireTime } from '../../src/domain/cron.js'
import type { ScheduleSpec } from '../../src/domain/schedule.js'
import { type ReportRunResult, reportRun } from '../../src/workflows/report-run.js'

/** Set by Temporal Schedules on every workflow they start: the time the action was due. */
const scheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
)

export interface NativeReportTickInput {
  /** Recorded in herald.runs as the schedule id, so baseline rows are told apart from Herald's. */
  scheduleId: string
  /** Already parsed (defaults applied), with the same cron as the native schedule's. */
  spec: ScheduleSpec
}

/**
 * The baseline: a workflow started by a native Temporal Schedule that runs Herald's reportRun for the scheduled
 * time, inline (no child), so it does the same activities a Herald tick does, one hop fewer.
 */
export async function nativeReportTick({
  scheduleId,
  spec,
}: NativeReportTickInput): Promise<ReportRunResult> {
  const info = wf.workflowInfo()
  const fireTime = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime
  return reportRun({
    run: {
      scheduleId,
      scheduleName: spec.name,
      runId: `run/${scheduleId}/${fireTime.toISOString()}`,
      fireTime: fireTime.toISOString(),
      periodStart: previousFireTime(spec, fireTime).toISOString(),
      periodEnd: fireTime.toISOString(),
      timezone: spec.timezone,
    },
    trigger: 'schedule',
    spec,
    previous: {},
  })
}
