import { workflowUiUrl } from '../temporal/connection.js'
import type { TemporalDeps } from './deps.js'

/** Queries and updates wait for a worker; a request never waits longer than this for Temporal. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000

export function withTemporalDeadline<T>(temporal: TemporalDeps, call: () => Promise<T>): Promise<T> {
  return temporal.client.withDeadline(Date.now() + (temporal.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS), call)
}

export const scheduleWorkflowId = (scheduleId: string) => `schedule/${scheduleId}`

export function scheduleHandle(temporal: TemporalDeps, scheduleId: string) {
  return temporal.client.workflow.getHandle(scheduleWorkflowId(scheduleId))
}

/** Link to the workflow in the Temporal Web UI, when its address is configured. */
export function temporalUiUrl(temporal: TemporalDeps, workflowId: string): string | null {
  return workflowUiUrl(temporal.uiUrl, temporal.namespace, workflowId) ?? null
}
