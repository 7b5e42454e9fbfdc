import { fixedRateLoad, type LoadResult } from './fixed-rate.js'
import { markdownTable, ms, ratio } from './stats.js'

/** The API scenarios shared by the API and idle benchmarks: named URL generators at a fixed rate. */
export interface Scenario {
  name: string
  url: (i: number) => string
}

export async function runScenarios(options: {
  scenarios: Scenario[]
  apiKeys: string[]
  rate: number
  seconds: number
}): Promise<(Scenario & { result: LoadResult })[]> {
  const out: (Scenario & { result: LoadResult })[] = []
  for (const scenario of options.scenarios) {
    const result = await fixedRateLoad({
      rate: options.rate,
      seconds: options.seconds,
      target: (i) => ({
        url: scenario.url(i),
        // Round-robin over the keys keeps each key under the per-key rate limit.
        headers: { authorization: `Bearer ${options.apiKeys[i % options.apiKeys.length]}` },
      }),
    })
    console.error(`${scenario.name}: ${JSON.stringify(result.statuses)}`)
    out.push({ ...scenario, result })
  }
  return out
}

export function scenarioTable(
  results: (Scenario & { result: LoadResult })[],
  rate: number,
  baseline?: LoadResult,
) {
  return markdownTable(
    [
      'endpoint',
      'target req/s',
      'achieved req/s',
      'ok',
      'failed',
      'p50 ms',
      'p99 ms',
      'max ms',
      'p99 vs bare',
    ],
    results.map(({ name, result }) => [
      name,
      rate,
      result.achievedPerSecond.toFixed(0),
      result.ok,
      result.failed,
      ms(result.latency.p50),
      ms(result.latency.p99),
      ms(result.latency.max),
      baseline ? ratio(result.latency.p99, baseline.latency.p99) : 'n/a',
    ]),
  )
}
