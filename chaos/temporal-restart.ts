import { sleep } from './child-service.js'
import { runDeliveryScenario } from './delivery-scenario.js'
import type { Scenario } from './scenario.js'

/** 2) The Temporal dev server is SIGKILLed and restarted on the same SQLite file, with ticks falling due while it is down. */
export const temporalRestart: Scenario = {
  name: 'temporal-restart',
  title: 'Temporal server SIGKILLed and restarted across ticks',
  run: (ctx) => {
    const { stack, random, log } = ctx
    let restarts = 0
    let workerCrashes = 0
    return runDeliveryScenario(ctx, {
      scenario: 'temporal-restart',
      schedules: 3,
      intervalSeconds: 10,
      recipientsPer: 4,
      chaosMs: ctx.short ? 20_000 : 120_000,
      async chaos(_, until) {
        while (Date.now() < until) {
          await sleep(random.int(4_000, ctx.short ? 9_000 : 15_000))
          await stack.temporal.kill()
          restarts++
          const downMs = random.int(2_000, ctx.short ? 8_000 : 25_000)
          log(`Temporal SIGKILL #${restarts}, down for ${(downMs / 1000).toFixed(1)} s`)
          await sleep(downMs)
          await stack.temporal.start()
          // The worker should reconnect by itself; if it gave up, that is worth knowing.
          if (!stack.worker.running) {
            workerCrashes++
            log('worker exited while Temporal was down; restarting it')
            await stack.worker.start()
          }
        }
        return [
          `${restarts} Temporal restarts; worker exited ${workerCrashes} time(s) while Temporal was down`,
        ]
      },
      async heal() {
        if (!stack.temporal.running) await stack.temporal.start()
      },
    })
  },
}
