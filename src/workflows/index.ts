// Everything the worker registers (workflowsPath) and clients import by name.
export { type DestinationTestResult, destinationTest } from './destination-check.js'
export * from './messages.js'
export { type PreviewReportInput, type PreviewReportResult, previewReport } from './preview-report.js'
export { type QuietHoursDeliveryInput, quietHoursDelivery } from './quiet-hours.js'
export { type ReportRunInput, type ReportRunResult, reportRun } from './report-run.js'
export { type ReportScheduleInput, reportSchedule } from './report-schedule.js'
export {
  PASSES_PER_EXECUTION,
  RETENTION_WORKFLOW_ID,
  type RetentionMaintenanceInput,
  retentionMaintenance,
} from './retention-maintenance.js'
export type { ScheduleCarryState } from './schedule-state.js'
export { type SmtpCheckResult, smtpSendTest, smtpVerify } from './smtp-check.js'
