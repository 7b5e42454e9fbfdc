/**
 * Workflow time. Inside the workflow sandbox `Date` is replaced by the SDK: it returns the time of the current
 * workflow task, recorded in history, so replays see the same value. This is the only place workflows read time.
 */
export function workflowNow(): Date {
  return new Date()
}

export function workflowNowMs(): number {
  return workflowNow().getTime()
}
