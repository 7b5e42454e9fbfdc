/** What a run remembers about the previous one: for resultsChanged and the re-notify grace period. */
export interface PreviousResult {
  fingerprint?: string
  conditionWasTrue?: boolean
  /** Fire time (ISO) of the last run that mailed its recipients. */
  lastSentAt?: string
}

export function withinGracePeriod(previous: PreviousResult, fireTime: string, graceMinutes: number): boolean {
  if (graceMinutes <= 0 || !previous.conditionWasTrue || !previous.lastSentAt) return false
  return Date.parse(fireTime) - Date.parse(previous.lastSentAt) < graceMinutes * 60_000
}
