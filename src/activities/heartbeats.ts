import type { Context } from '@temporalio/activity'
import type { ActivityInterceptorsFactory } from '@temporalio/worker'

/** How many keep-alive heartbeats fit in one heartbeat timeout (the SDK throttles them to 80 % of it anyway). */
const HEARTBEATS_PER_TIMEOUT = 4

const latestProgress = new WeakMap<Context, unknown>()

/** Heartbeats with progress details (shown in the Web UI); the keep-alive heartbeats repeat the latest ones. */
export function heartbeatProgress(context: Context, details: unknown): void {
  latestProgress.set(context, details)
  context.heartbeat(details)
}

/**
 * Temporal notices that a worker died (SIGKILL, OOM, lost host) only when its activities' heartbeats time out, and
 * retries them after that. Heartbeating on an interval for as long as an activity runs lets the timeout be short
 * (30 s, `activity-policies.ts`) whatever one step takes: a slow SMTP server, a long render, a big query. A step
 * that hangs is still bounded by its own timeouts (SMTP socket, statement_timeout) and by startToClose.
 */
export const keepAliveHeartbeats: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      const timeoutMs = context.info.heartbeatTimeoutMs
      if (!timeoutMs || context.info.isLocal) return next(input)
      const beat = () => context.heartbeat(latestProgress.get(context))
      const timer = setInterval(beat, timeoutMs / HEARTBEATS_PER_TIMEOUT)
      try {
        return await next(input)
      } finally {
        clearInterval(timer)
      }
    },
  },
})
