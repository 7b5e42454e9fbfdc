import { randomUUID } from 'node:crypto'
import { type DestinationTestResult, destinationTest } from '../../workflows/index.js'
import type { TemporalDeps } from '../deps.js'

/** One request to the destination, retried by nobody; longer means no worker took it. */
const DESTINATION_TEST_TIMEOUT_MS = 90_000

/**
 * The test message is posted by the worker, which alone opens a destination's secrets (the API only seals them).
 * A refusal comes back as `{ ok: false, error }` with the destination's own answer.
 */
export function sendDestinationTest(
  temporal: TemporalDeps,
  destinationId: string,
): Promise<DestinationTestResult> {
  return temporal.client.workflow.execute(destinationTest, {
    workflowId: `destination-check/test/${randomUUID()}`,
    taskQueue: temporal.taskQueue,
    args: [{ destinationId }],
    workflowExecutionTimeout: Math.min(
      temporal.workTimeoutMs ?? DESTINATION_TEST_TIMEOUT_MS,
      DESTINATION_TEST_TIMEOUT_MS,
    ),
  })
}
