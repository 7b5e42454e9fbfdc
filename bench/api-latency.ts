import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../test/support/ports.js'
import { runScenarios, type Scenario, scenarioTable } from './support/api-load.js'
import { numberFlag } from './support/args.js'
import { answers, startChildService } from './support/child-service.js'
import { insertScheduleRows, sleepingSpec, startHeraldSchedules } from './support/schedules.js'
import { withBenchStack } from './support/stack.js'
import { machineLine, mb } from './support/stats.js'

/**
 * API latency (issue 6): GET /schedules/{id} and GET /schedules?limit=50 with 10,000 schedules registered, at a
 * fixed 200 req/s for 20 s each, against a bare Hono route returning a constant JSON body in the same run.
 *
 *   npm run bench:api -- [--schedules 10000] [--live 200] [--rate 200] [--seconds 20]
 *
 * All schedules are rows in herald.schedules (inserted directly, as the API would store them); only `--live` of
 * them get a running reportSchedule workflow, and GET /schedules/{id} is aimed at those, since only they have a
 * live state (published by the workflow to its row). The API and the worker are separate processes from the load
 * generator.
 */
const SCHEDULES = numberFlag('schedules', 10_000)
const LIVE = numberFlag('live', 200)
const RATE = numberFlag('rate', 200)
const SECONDS = numberFlag('seconds', 20)
const BARE_SCRIPT = fileURLToPath(new URL('./support/bare-api.ts', import.meta.url))

async function main() {
  await withBenchStack('api', async (stack) => {
    const worker = await stack.startHeraldWorker()
    const ids = await insertScheduleRows(stack.db, SCHEDULES, sleepingSpec)
    const live = ids.slice(0, LIVE)
    await startHeraldSchedules(stack.client, stack.config.TEMPORAL_TASK_QUEUE, live, sleepingSpec)
    const { baseUrl } = await stack.startApi()
    const auth = { authorization: `Bearer ${stack.apiKeys[0]}` }
    const sample = await fetch(`${baseUrl}/schedules/${live[0]}`, { headers: auth })
    if (!sample.ok) throw new Error(`GET /schedules/{id} answered ${sample.status}: ${await sample.text()}`)
    const body = await sample.text()
    const bodyFile = join(stack.dir, 'bare.json')
    await writeFile(bodyFile, body)

    const barePort = await freePort()
    const bareUrl = `http://127.0.0.1:${barePort}/api/v1`
    const bare = await startChildService({
      script: BARE_SCRIPT,
      env: { ...process.env, PORT: String(barePort), BARE_BODY_FILE: bodyFile },
      logFile: join(stack.dir, 'bare.log'),
      ready: answers(`${bareUrl}/healthz`),
    })
    try {
      const scenarios: Scenario[] = [
        {
          name: 'bare Hono route, constant JSON (baseline)',
          url: (i) => `${bareUrl}/schedules/${live[i % LIVE]}`,
        },
        {
          name: 'Herald GET /schedules/{id} (row + published live state)',
          url: (i) => `${baseUrl}/schedules/${live[i % LIVE]}`,
        },
        { name: 'Herald GET /schedules?limit=50', url: () => `${baseUrl}/schedules?limit=50` },
      ]
      // Warm-up at the measured rate (JIT, connection pools, sockets), not counted: the target is steady state.
      await runScenarios({ scenarios, apiKeys: stack.apiKeys, rate: RATE, seconds: 5 })
      const results = await runScenarios({ scenarios, apiKeys: stack.apiKeys, rate: RATE, seconds: SECONDS })
      const memory = await worker.memory()
      console.log(
        `\n## API latency: ${SCHEDULES} schedules registered, ${LIVE} with live workflows (${machineLine()})\n`,
      )
      console.log(scenarioTable(results, RATE, results[0]!.result))
      console.log(`\nworker RSS after the run: ${mb(memory.rss)} MB; response body ${body.length} B`)
    } finally {
      await bare.stop()
    }
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
