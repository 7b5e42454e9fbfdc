import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TimeoutFailure,
} from '@temporalio/workflow'

/** The most specific human message in a Temporal failure chain, e.g. PostgreSQL's error text for a bad query. */
export function failureMessage(err: unknown): string {
  let current: unknown = err
  let message = err instanceof Error ? err.message : String(err)
  while (current instanceof Error) {
    if (current instanceof TimeoutFailure) return `timed out (${current.timeoutType})`
    if (current instanceof ApplicationFailure) {
      message = current.type ? `${current.type}: ${current.message}` : current.message
    } else if (!(current instanceof ActivityFailure || current instanceof ChildWorkflowFailure)) {
      message = current.message
    }
    current = current.cause
  }
  return message
}
