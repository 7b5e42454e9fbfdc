import { ActivityFailure, proxyActivities } from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { DESTINATION_TEST_POLICY } from './activity-policies.js'

const { sendDestinationTest } = proxyActivities<HeraldActivities>(DESTINATION_TEST_POLICY)

/** The test's answer; a refusal is an answer too, in the destination's own words. */
export type DestinationTestResult = { ok: true; reply: string } | { ok: false; error: string }

/**
 * Posts a short test message to one destination from the worker (POST /destinations/{id}/test). Only the id
 * enters the history: the activity opens the destination's URL and secrets itself.
 */
export async function destinationTest(input: { destinationId: string }): Promise<DestinationTestResult> {
  try {
    return { ok: true, ...(await sendDestinationTest(input)) }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err
    return { ok: false, error: err.cause?.message || err.message }
  }
}
