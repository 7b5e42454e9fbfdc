import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow'
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js'

/**
 * Timeouts and retry policies of every activity, in one place. Business errors (bad SQL, rejected recipients,
 * invalid messages) are non-retryable; infrastructure errors (connection refused, SMTP 4xx) retry with backoff.
 */

const nonRetryableErrorTypes = NON_RETRYABLE_ERROR_TYPES

/**
 * The heartbeat timeout of long activities: how soon an attempt on a worker that died is retried elsewhere. The
 * worker heartbeats every activity on an interval while it runs (`keepAliveHeartbeats`), so this need not cover
 * the longest step. It was 1–2 minutes, and a kill mid-delivery delayed that tick's mail by over 2 minutes.
 */
const CRASH_NOTICED_WITHIN = '30 seconds'

export const QUERY_POLICY: ActivityOptions = {
  // The query's own statement_timeout is shorter; this bounds connecting and streaming the result.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes,
  },
}

export const RENDER_POLICY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
}

/** Sending to a recipient or a destination: an outage is retried for about an hour (10 s doubling, at most 10 min). */
const DELIVERY_RETRY: ActivityOptions['retry'] = {
  initialInterval: '10s',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
  maximumAttempts: 10,
  nonRetryableErrorTypes,
}

export const DELIVERY_POLICY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  // An SMTP outage is retried for about an hour; the delivery ledger makes every retry skip what was already sent.
  retry: DELIVERY_RETRY,
}

export const LEDGER_POLICY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 30 },
}

export const NOTIFY_POLICY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes,
  },
}

/** An escalation step's mail: as an owner notice; its ledger (the audit log) makes a retry skip whoever was told. */
export const ESCALATION_POLICY: ActivityOptions = NOTIFY_POLICY

/**
 * Publishing the live state is a local activity (one marker in history, no extra workflow task), and it holds the
 * workflow task while it runs: so it is short, and a failure is left to the publisher's own later retry.
 */
export const SNAPSHOT_POLICY: LocalActivityOptions = {
  startToCloseTimeout: '3 seconds',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 2 },
}

/**
 * A preview is answered while someone waits: one retry soon after a failure, not the run's backoff of minutes; a
 * worker that dies mid-query is noticed as fast as in a run.
 */
export const PREVIEW_POLICY: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes },
}

/** An SMTP check reports what the server said on the first try: a retry would hide the failure it is asked for. */
export const SMTP_CHECK_POLICY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
}

/** A destination test reports what the destination said on the first try, as the SMTP check does. */
export const DESTINATION_TEST_POLICY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
}

/**
 * One destination of a run. A 429 or 5xx is retried for about an hour (a Retry-After replaces the backoff's next
 * delay); other 4xx are returned as permanently failed, not thrown. Every retry sends the same idempotency key,
 * and the ledger row makes a settled destination never posted again.
 */
export const DESTINATION_DELIVERY_POLICY: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  retry: DELIVERY_RETRY,
}

/**
 * A retention pass deletes in bounded batches, so it is short; a pass that still fails after its retries is left
 * to the workflow, which tries again later instead of failing (src/workflows/retention-maintenance.ts).
 */
export const RETENTION_POLICY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: CRASH_NOTICED_WITHIN,
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
}

/** Reading the recipients' quiet hours before a run mails: one short read, retried like the ledger. */
export const PREFERENCES_POLICY: ActivityOptions = LEDGER_POLICY
