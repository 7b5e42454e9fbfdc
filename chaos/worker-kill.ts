import { sleep } from './child-service.js'
import { runDeliveryScenario } from './delivery-scenario.js'
import type { Scenario } from './scenario.js'

/**
 * 1) The worker is SIGKILLed at random moments and restarted: between ticks, during the query or render, and —
 * with a slow SMTP sink — right after a RCPT TO, so the kill lands before the final dot is answered.
 */
export const workerKill: Scenario = {
  name: 'worker-kill',
  title: 'worker SIGKILLed mid-run, restarted',
  run: (ctx) => {
    const { stack, random, log } = ctx
    let busy = false
    let kills = 0
    let rcptKills = 0
    const killAndRestart = async (why: string) => {
      if (busy) return
      busy = true
      try {
        await stack.worker.kill()
        kills++
        log(`worker SIGKILL #${kills} (${why})`)
        await sleep(random.int(200, 3_000))
        await stack.worker.start()
      } finally {
        busy = false
      }
    }
    return runDeliveryScenario(ctx, {
      scenario: 'worker-kill',
      schedules: 3,
      intervalSeconds: ctx.short ? 10 : 15,
      recipientsPer: 4,
      chaosMs: ctx.short ? 20_000 : 120_000,
      async chaos(_, until) {
        // A slow sink keeps DATA open long enough for a kill to land inside it.
        stack.smtp.faults = {
          onRcptTo: () => {
            if (!busy && Date.now() < until && random.chance(0.15)) {
              rcptKills++
              setTimeout(() => void killAndRestart('after RCPT TO'), random.int(0, 400))
            }
            return undefined
          },
          onData: () => (random.chance(0.6) ? { delayMs: random.int(300, 1_500) } : undefined),
        }
        while (Date.now() < until) {
          await sleep(random.int(3_000, ctx.short ? 8_000 : 15_000))
          if (Date.now() >= until) break
          await killAndRestart('random moment')
        }
        while (busy) await sleep(100)
        return [
          `${kills} worker kills (${rcptKills} right after a RCPT TO), ${stack.worker.starts} worker starts in all`,
        ]
      },
      async heal() {
        stack.smtp.faults = {}
        while (busy) await sleep(100)
        if (!stack.worker.running) await stack.worker.start()
      },
    })
  },
}
