import { sleep } from './child-service.js'
import { runDeliveryScenario } from './delivery-scenario.js'
import type { Scenario } from './scenario.js'

/** 3) PostgreSQL (Herald's database and the report data source) is stopped for a while during runs. */
export const postgresOutage: Scenario = {
  name: 'postgres-outage',
  title: 'PostgreSQL stopped during runs',
  run: (ctx) => {
    const { stack, random, log } = ctx
    const outageMs = ctx.short ? 10_000 : 30_000
    return runDeliveryScenario(ctx, {
      scenario: 'postgres-outage',
      schedules: 3,
      intervalSeconds: 10,
      recipientsPer: 4,
      chaosMs: ctx.short ? 18_000 : 75_000,
      async chaos(_, until) {
        // Slow DATA so the outage catches deliveries half done.
        stack.smtp.faults = {
          onData: () => (random.chance(0.5) ? { delayMs: random.int(200, 1_000) } : undefined),
        }
        await sleep(random.int(5_000, ctx.short ? 8_000 : 11_000))
        log(`PostgreSQL stop for ${outageMs / 1000} s`)
        await stack.stopPostgres()
        await sleep(outageMs)
        await stack.startPostgres()
        log('PostgreSQL back')
        await sleep(Math.max(0, until - Date.now()))
        return [`PostgreSQL down for ${outageMs / 1000} s`]
      },
      async heal() {
        stack.smtp.faults = {}
        if (!stack.pgRunning) await stack.startPostgres()
      },
    })
  },
}
