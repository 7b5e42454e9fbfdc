import {
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import type { RetentionPass } from '../domain/retention.js'
import { RETENTION_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import { workflowNow } from './workflow-clock.js'

const { cleanupExpiredData } = proxyActivities<HeraldActivities>(RETENTION_POLICY)

/** One per namespace and task queue; the worker, `npm start` and the test stack start it if it is not running. */
export const RETENTION_WORKFLOW_ID = 'herald-maintenance/retention'

/** Passes per execution before continue-as-new: about 5 events a pass keeps each history small. */
export const PASSES_PER_EXECUTION = 100

/** After a pass failed all its attempts (database down, a file that cannot be removed), the next try comes this soon. */
const AFTER_A_FAILED_PASS_MS = 15 * 60_000

export interface RetentionMaintenanceInput {
  /** Tests lower it to see continue-as-new. */
  passesPerExecution?: number
}

/**
 * Retention, durably on a schedule: a cleanup pass (expired files, old runs, deliveries and audit entries), then a
 * durable sleep until the next one, forever, continuing as new to bound the history. The pass deletes up to the
 * workflow's time, so a time-skipping test moves the clock the cleanup uses.
 */
export async function retentionMaintenance(input: RetentionMaintenanceInput = {}): Promise<never> {
  const passes = input.passesPerExecution ?? PASSES_PER_EXECUTION
  for (let i = 0; i < passes && !workflowInfo().continueAsNewSuggested; i++) {
    const now = workflowNow().toISOString()
    let pass: RetentionPass
    try {
      pass = await cleanupExpiredData.executeWithOptions(
        { summary: `delete expired files and old runs, deliveries and audit entries as of ${now}` },
        [{ now }],
      )
    } catch (err) {
      if (isCancellation(err)) throw err
      const retryAt = new Date(Date.parse(now) + AFTER_A_FAILED_PASS_MS).toISOString()
      setCurrentDetails(`cleanup pass of ${now} failed: ${failureMessage(err)}; next try at ${retryAt}`)
      await sleep(AFTER_A_FAILED_PASS_MS, { summary: 'wait before trying the cleanup pass again' })
      continue
    }
    const deleted = `${pass.files} files (${pass.bytes} bytes), ${pass.runs} runs, ${pass.deliveries} deliveries, ${pass.auditRows} audit entries`
    // A pass stops after a bounded number of batches; with more due, the next one starts at once.
    if (pass.more) {
      setCurrentDetails(`cleanup pass of ${now} deleted ${deleted}; more is due, continuing`)
      continue
    }
    const nextAt = new Date(Date.parse(now) + pass.nextPassMinutes * 60_000).toISOString()
    setCurrentDetails(`cleanup pass of ${now} deleted ${deleted}; next pass at ${nextAt}`)
    await sleep(pass.nextPassMinutes * 60_000, { summary: `sleep until the next cleanup pass at ${nextAt}` })
  }
  return continueAsNew<typeof retentionMaintenance>(input)
}
