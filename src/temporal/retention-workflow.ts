import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client'
import { RETENTION_WORKFLOW_ID, retentionMaintenance } from '../workflows/index.js'

/**
 * Starts the retention workflow (herald-maintenance/retention) unless it is running: every worker start calls this,
 * so it always runs once per namespace, whichever worker came first. A terminated or failed one is started anew
 * (the default id reuse policy allows that); a running one is left alone.
 */
export async function ensureRetentionWorkflow(
  client: Client,
  options: { taskQueue: string },
): Promise<'started' | 'running'> {
  try {
    await client.workflow.start(retentionMaintenance, {
      workflowId: RETENTION_WORKFLOW_ID,
      taskQueue: options.taskQueue,
      args: [{}],
      staticSummary: 'Retention: deletes expired report files and old runs, deliveries and audit entries',
      staticDetails:
        'Settings: ARTIFACT_RETENTION_DAYS (per schedule: artifactRetentionDays), RECORD_RETENTION_DAYS, RETENTION_INTERVAL_MINUTES',
    })
    return 'started'
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running'
    throw err
  }
}
