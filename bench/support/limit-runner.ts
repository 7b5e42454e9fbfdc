import { MockActivityEnvironment } from '@temporalio/testing'
import pLimit from 'p-limit'
import { createActivities } from '../../src/activities/index.js'
import { loadConfig } from '../../src/config.js'
import { describeCondition, evaluateCondition } from '../../src/domain/conditions.js'
import { previousFireTime } from '../../src/domain/cron.js'
import type { RunContext, RunStep } from '../../src/domain/run.js'
import { type ScheduleSpec, scheduleSpecSchema } from '../../src/domain/schedule.js'
import { runIdFor } from '../../src/domain/tick-plan.js'
import { openServices } from '../../src/services.js'

/**
 * The burst benchmark's limit baseline: a plain Node process that does the same N reports as the Herald runs
 * (recordRunStarted → runQuery → condition → renderReport per format → deliverReport → recordRunFinished) with
 * Herald's activity code and the worker's activity concurrency, but no Temporal: each activity is called directly
 * inside the SDK's MockActivityEnvironment, which gives it the activity Context it reads (attempt, heartbeats).
 *
 * Environment: Herald's (loadConfig), plus LIMIT_RUNS, LIMIT_AT (epoch ms to start at), LIMIT_SPEC (JSON spec),
 * LIMIT_SCHEDULE_PREFIX and LIMIT_CONCURRENCY.
 */

/** The SDK's default maxConcurrentActivityTaskExecutions, which Herald's worker leaves as it is. */
export const WORKER_ACTIVITY_SLOTS = 100

async function run(): Promise<void> {
  const runs = Number(process.env.LIMIT_RUNS)
  const at = new Date(Number(process.env.LIMIT_AT))
  const spec: ScheduleSpec = scheduleSpecSchema.parse(JSON.parse(process.env.LIMIT_SPEC ?? '{}'))
  const prefix = process.env.LIMIT_SCHEDULE_PREFIX ?? 'limit-bench-'
  const slots = pLimit(Number(process.env.LIMIT_CONCURRENCY ?? WORKER_ACTIVITY_SLOTS))

  const services = await openServices(loadConfig())
  const activities = createActivities(services.activityDeps)
  /** One activity call, as the worker would run it: in an activity context, holding one of the worker's slots. */
  const call = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    slots(() => new MockActivityEnvironment().run(fn, ...args))

  const report = async (scheduleId: string) => {
    const run: RunContext = {
      scheduleId,
      scheduleName: spec.name,
      runId: runIdFor(scheduleId, at),
      fireTime: at.toISOString(),
      periodStart: previousFireTime(spec, at).toISOString(),
      periodEnd: at.toISOString(),
      timezone: spec.timezone,
    }
    const steps: RunStep[] = []
    await call(activities.recordRunStarted, { run, trigger: 'schedule' })
    const result = await call(activities.runQuery, { run, query: spec.query })
    steps.push({ name: 'query', status: 'ok', detail: `${result.rowCount} rows` })
    const outcome = evaluateCondition(spec.condition, {
      result,
      queryFailed: false,
      previousFingerprint: undefined,
    })
    if (!outcome.send)
      throw new Error(`the limit baseline expects every report to be sent: ${outcome.reason}`)
    const attachments = await Promise.all(
      spec.formats.map((format) =>
        call(activities.renderReport, {
          run,
          format,
          resultRef: result.resultRef,
          columns: result.columns,
          rowCount: result.rowCount,
          conditionSummary: `${describeCondition(spec.condition)}: ${outcome.reason}`,
          csvBom: spec.csvBom,
        }),
      ),
    )
    const delivery = await call(activities.deliverReport, {
      run,
      mail: spec.mail,
      recipients: spec.recipients,
      attachments,
      rowCount: result.rowCount,
      conditionReason: outcome.reason,
      resultRef: result.resultRef,
      columns: result.columns,
    })
    const failed = delivery.permanentlyFailed > 0
    steps.push({ name: 'deliver', status: failed ? 'failed' : 'ok', detail: `${delivery.sent} sent` })
    await call(activities.recordRunFinished, {
      runId: run.runId,
      steps,
      status: failed ? 'partial' : 'sent',
      attachments,
      rowCount: result.rowCount,
      fingerprint: result.fingerprint,
      conditionSend: true,
    })
  }

  console.log('limit runner ready')
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now())))
  const ids = Array.from({ length: runs }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
  // Every run in flight at once, as the worker has every due run's workflow at once; the slots bound the work.
  const outcomes = await Promise.allSettled(ids.map(report))
  const failures = outcomes.filter((o) => o.status === 'rejected')
  for (const f of failures.slice(0, 3)) console.error((f as PromiseRejectedResult).reason)
  console.log(`limit runner done: ${runs - failures.length}/${runs} reports`)
  // Stays up until stopped, so the benchmark reads this process's CPU before it exits.
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()))
  await services.close()
}

run().catch((err) => {
  console.error(err)
  process.exit(1)
})
