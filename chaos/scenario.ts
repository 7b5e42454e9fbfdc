import type { ScenarioAudit } from './delivery-audit.js'
import type { Random } from './random.js'
import type { ChaosStack } from './stack.js'
import { emptyWebhookAudit } from './webhook-audit.js'

export interface ScenarioContext {
  stack: ChaosStack
  random: Random
  short: boolean
  log: (line: string) => void
}

export interface Scenario {
  name: string
  title: string
  run(ctx: ScenarioContext): Promise<ScenarioAudit>
}

export function emptyAudit(scenario: string): ScenarioAudit {
  return {
    scenario,
    runs: 0,
    ticksNotRun: 0,
    recipients: 0,
    deliveredOnce: 0,
    duplicates: 0,
    sameMessageIdRedeliveries: 0,
    lost: 0,
    permanentlyFailed: 0,
    suppressed: 0,
    failureReasons: new Map(),
    webhook: emptyWebhookAudit(),
    evidence: [],
    notes: [],
  }
}
