import type { DataFault, SmtpFaults, SmtpReply } from '../test/support/smtp.js'
import { sleep } from './child-service.js'
import { runDeliveryScenario } from './delivery-scenario.js'
import type { Random } from './random.js'
import type { Scenario, ScenarioContext } from './scenario.js'

/**
 * 4) The mail server misbehaves: faults switch on and off at random (421 on connect, 451 per recipient, drop
 * mid-DATA, a reply slower than the client's timeout, the acceptThenDrop RFC 1047 window, the server down), while
 * some addresses always get a 550 (user unknown, or a policy rejection).
 */
type Mode = 'none' | 'connect421' | 'rcpt451' | 'dropMidData' | 'slowPastTimeout' | 'acceptThenDrop' | 'down'
const MODES: Mode[] = [
  'none',
  'connect421',
  'rcpt451',
  'dropMidData',
  'slowPastTimeout',
  'acceptThenDrop',
  'down',
]

const USER_UNKNOWN: SmtpReply = { code: 550, message: '5.1.1 <bounce>: user unknown' }
const POLICY: SmtpReply = { code: 550, message: '5.7.1 rejected by policy' }

function faultsFor(mode: Mode, random: Random): SmtpFaults {
  const permanent = (address: string): SmtpReply | undefined =>
    address.startsWith('bounce.') ? USER_UNKNOWN : address.startsWith('policy.') ? POLICY : undefined
  const base: SmtpFaults = { onRcptTo: permanent }
  switch (mode) {
    case 'connect421':
      return {
        ...base,
        onConnect: () => (random.chance(0.7) ? { code: 421, message: '4.3.2 try later' } : undefined),
      }
    case 'rcpt451':
      return {
        onRcptTo: (a) =>
          permanent(a) ?? (random.chance(0.5) ? { code: 451, message: '4.7.1 greylisted' } : undefined),
      }
    case 'dropMidData':
    case 'acceptThenDrop':
      return { ...base, onData: (): DataFault | undefined => (random.chance(0.4) ? mode : undefined) }
    case 'slowPastTimeout':
      // The worker's socket timeout is 5 s.
      return { ...base, onData: () => (random.chance(0.4) ? { delayMs: 7_000 } : undefined) }
    default:
      return base
  }
}

export const smtpFaults: Scenario = {
  name: 'smtp-faults',
  title: 'SMTP faults: 421, 451, 550, drop mid-DATA, slow past timeout, down',
  run: (ctx: ScenarioContext) => {
    const { stack, random, log } = ctx
    const used = new Map<Mode, number>()
    return runDeliveryScenario(ctx, {
      scenario: 'smtp-faults',
      schedules: 3,
      intervalSeconds: 10,
      recipientsPer: 3,
      extraRecipients: (i) =>
        i === 0 ? ['bounce.smtp-faults@example.com'] : i === 1 ? ['policy.smtp-faults@example.com'] : [],
      chaosMs: ctx.short ? 18_000 : 120_000,
      async chaos(_, until) {
        while (Date.now() < until) {
          const mode = random.pick(MODES)
          const ms = Math.min(random.int(2_000, 6_000), until - Date.now())
          used.set(mode, (used.get(mode) ?? 0) + 1)
          log(`SMTP ${mode} for ${(ms / 1000).toFixed(1)} s`)
          stack.smtp.faults = faultsFor(mode, random)
          if (mode === 'down') await stack.smtpGate.close()
          await sleep(Math.max(0, ms))
          if (mode === 'down') await stack.smtpGate.open()
        }
        return [`SMTP fault phases: ${[...used].map(([m, n]) => `${m}×${n}`).join(', ')}`]
      },
      async heal() {
        stack.smtp.faults = faultsFor('none', random)
        await stack.smtpGate.open()
      },
    })
  },
}
