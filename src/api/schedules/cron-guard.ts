import type { Config } from '../../config.js'
import { cronScheduleProblem } from '../../domain/cron-guards.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import { validationFailed } from '../problems.js'

/**
 * Refuses a cron that never fires or fires faster than MIN_TICK_SECONDS, as a 422 naming `cron`. Only the API
 * applies it: it depends on the clock and the config, and the workflow must keep accepting what it accepted before.
 */
export function assertSensibleCron(
  spec: Pick<ScheduleSpec, 'cron' | 'timezone'>,
  config: Pick<Config, 'MIN_TICK_SECONDS'>,
): void {
  const problem = cronScheduleProblem(spec, { now: new Date(), minTickSeconds: config.MIN_TICK_SECONDS })
  if (problem) throw validationFailed([{ path: 'cron', message: problem }])
}
