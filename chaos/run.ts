import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { apiRestart } from './api-restart.js'
import type { ScenarioAudit } from './delivery-audit.js'
import { postgresOutage } from './postgres-outage.js'
import { randomSeed, seededRandom } from './random.js'
import { resultRows, textTable, writeReliabilityDoc } from './report.js'
import type { Scenario } from './scenario.js'
import { smtpFaults } from './smtp-faults.js'
import { ChaosStack } from './stack.js'
import { temporalRestart } from './temporal-restart.js'
import { workerKill } from './worker-kill.js'

/**
 * `npm run chaos` / `npm run chaos:short`: fault injection against the real stack. Exits non-zero on any lost
 * delivery or real duplicate. Options: --seed N (replay), --only a,b (scenario names), --keep (keep the temp dir),
 * --no-doc (leave docs/RELIABILITY.md alone), --results FILE (per-scenario verdicts as JSON, for npm test's summary).
 */
const SCENARIOS: Scenario[] = [workerKill, temporalRestart, postgresOutage, smtpFaults, apiRestart]

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      seed: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-doc': { type: 'boolean', default: false },
      results: { type: 'string' },
    },
  })
  const seed = values.seed ? Number(values.seed) : randomSeed()
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer')
  const only = values.only?.split(',').map((s) => s.trim())
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS
  if (scenarios.length === 0)
    throw new Error(`--only: known scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`)
  const mode = values.short ? 'short' : 'full'
  const began = Date.now()
  const log = (line: string) =>
    console.log(`[chaos +${((Date.now() - began) / 1000).toFixed(1).padStart(6)}s] ${line}`)
  log(
    `seed ${seed} (replay with --seed ${seed}), mode ${mode}, scenarios ${scenarios.map((s) => s.name).join(', ')}`,
  )

  const temporalPort = Number(process.env.CHAOS_TEMPORAL_PORT ?? 27233)
  const stack = await ChaosStack.start({ temporalPort, taskQueue: `herald-chaos-${seed}`, seed, log })
  const audits: ScenarioAudit[] = []
  try {
    for (const scenario of scenarios) {
      const i = SCENARIOS.indexOf(scenario)
      // Each scenario draws from its own stream, so --only replays the same faults as in a full run.
      const random = seededRandom((seed + i * 7919) >>> 0)
      log(`── ${scenario.name}: ${scenario.title}`)
      const audit = await scenario.run({
        stack,
        random,
        short: values.short ?? false,
        log: (line) => log(`${scenario.name}: ${line}`),
      })
      audits.push(audit)
      log(
        `${scenario.name}: ${audit.recipients} expected, ${audit.deliveredOnce} delivered once, ${audit.lost} lost, ${audit.duplicates} duplicates, ${audit.sameMessageIdRedeliveries} same-Message-ID`,
      )
      const w = audit.webhook
      if (w.expected > 0)
        log(
          `${scenario.name}: webhook ${w.expected} expected, ${w.deliveredOnce} taken in once, ${w.lost} lost, ${w.duplicates} duplicates, ${w.sameKeyRedeliveries} same-key, ${w.badSignatures} bad signatures (faults: ${w.faults.status500}× 500, ${w.faults.status429}× 429, ${w.faults.dropped}× dropped)`,
        )
    }
  } finally {
    if (values.keep) log(`logs and data kept in ${stack.dir}`)
    await stack.shutdown(values.keep ?? false)
  }

  const durationS = Math.round((Date.now() - began) / 1000)
  console.log(`\n${textTable(resultRows(audits))}\n`)
  for (const a of audits) {
    for (const line of [...a.notes, ...a.evidence.slice(0, 20)]) console.log(`  ${a.scenario}: ${line}`)
  }
  const command = `npm run ${values.short ? 'chaos:short' : 'chaos'} -- --seed ${seed}`
  if (!values['no-doc']) {
    await writeReliabilityDoc(resolve(import.meta.dirname, '../docs/RELIABILITY.md'), {
      seed,
      mode,
      durationS,
      audits,
      command,
    })
  }
  const isBad = (a: ScenarioAudit) =>
    a.lost > 0 ||
    a.duplicates > 0 ||
    a.webhook.lost > 0 ||
    a.webhook.duplicates > 0 ||
    a.webhook.badSignatures > 0
  const bad = audits.filter(isBad)
  if (values.results) {
    const scenarioResults = audits.map((a) => ({ name: a.scenario, ok: !isBad(a) }))
    await mkdir(dirname(values.results), { recursive: true })
    await writeFile(
      values.results,
      `${JSON.stringify({ seed, mode, scenarios: scenarioResults }, null, 2)}\n`,
    )
  }
  console.log(
    bad.length === 0
      ? `\nchaos: OK in ${durationS} s — nothing lost, no real duplicates (seed ${seed})`
      : `\nchaos: FAILED in ${durationS} s — ${bad.map((a) => `${a.scenario}: ${a.lost} lost, ${a.duplicates} duplicates; webhook ${a.webhook.lost} lost, ${a.webhook.duplicates} duplicates, ${a.webhook.badSignatures} bad signatures`).join('; ')} (replay: ${command})`,
  )
  return bad.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(2)
  },
)
