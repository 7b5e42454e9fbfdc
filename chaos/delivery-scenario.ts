import {
  type ChaosSchedule,
  pauseAndSettle,
  startChaosSchedules,
  terminateSchedules,
} from './chaos-schedules.js'
import { sleep } from './child-service.js'
import { auditScenario, type ScenarioAudit } from './delivery-audit.js'
import type { ScenarioContext } from './scenario.js'
import { MAIL_FROM } from './stack.js'
import { NO_WEBHOOK_FAULTS, WEBHOOK_FAULTS } from './webhook-receiver.js'

/**
 * The frame of every delivery scenario: start schedules, let `chaos` break things for a while, heal everything,
 * stop the ticks, wait for the runs in flight to finish, then audit what arrived against what was recorded. Every
 * schedule also posts to the stack's webhook, which answers 500, 429 or drops the connection now and then throughout.
 */
export interface DeliveryScenarioPlan {
  scenario: string
  schedules: number
  intervalSeconds: number
  recipientsPer: number
  extraRecipients?: (index: number) => string[]
  chaosMs: number
  chaos: (ctx: ScenarioContext, until: number) => Promise<string[]>
  /** Undo every fault: servers up, hooks off. */
  heal: (ctx: ScenarioContext) => Promise<void>
}

/** Runs time out after 60 s at this cron rate, so a minute and a half is enough for every run to end. */
const SETTLE_TIMEOUT_MS = 120_000

export async function runDeliveryScenario(
  ctx: ScenarioContext,
  plan: DeliveryScenarioPlan,
): Promise<ScenarioAudit> {
  const { stack, log } = ctx
  stack.webhook.faults = WEBHOOK_FAULTS
  const schedules: ChaosSchedule[] = await startChaosSchedules(
    stack,
    plan.scenario,
    plan.schedules,
    plan.intervalSeconds,
    plan.recipientsPer,
    plan.extraRecipients,
  )
  log(`${schedules.length} schedules every ${plan.intervalSeconds} s; chaos for ${plan.chaosMs / 1000} s`)
  const notes = await plan.chaos(ctx, Date.now() + plan.chaosMs)
  await plan.heal(ctx)
  await stack.waitForTemporal()
  if (!stack.worker.running) await stack.worker.start()
  // Let the last ticks before the pause start, so they are inside the audited window.
  await sleep(1_000)
  const settle = await pauseAndSettle(stack, schedules, SETTLE_TIMEOUT_MS)
  log(settle.settled ? `settled after ${Math.round(settle.waitedMs / 1000)} s` : 'did NOT settle in time')
  await terminateSchedules(stack, schedules)
  stack.webhook.faults = NO_WEBHOOK_FAULTS
  const audit = await auditScenario({
    scenario: plan.scenario,
    db: stack.db,
    schedules,
    received: stack.smtp.received,
    webhookRequests: stack.webhook.requests,
    mailFrom: MAIL_FROM,
  })
  audit.notes.unshift(...notes)
  if (!settle.settled) audit.notes.unshift('runs still in flight when the settle timeout expired')
  return audit
}
