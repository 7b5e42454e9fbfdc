import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { WorkerMetrics } from '../../src/telemetry/worker-metrics.js'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const env = {
  ...process.env,
  HERALD_API_KEYS: 'compose-check-key',
  HERALD_SECRET: 'compose-check-secret-0123',
  HERALD_PAYLOAD_KEYS: `compose:${Buffer.alloc(32, 1).toString('base64')}`,
  GRAFANA_ADMIN_PASSWORD: 'compose-check-grafana',
}

async function composeAvailable(): Promise<boolean> {
  try {
    await run('docker', ['compose', 'version'])
    return true
  } catch {
    return false
  }
}

// CI installs the compose plugin (scripts/install-compose-plugin.sh); elsewhere the check needs it too.
describe('docker-compose.yml', async () => {
  const available = await composeAvailable()

  it('docker compose is installed (run scripts/install-compose-plugin.sh)', () => {
    expect(available).toBe(true)
  })

  it.runIf(available)('is valid: docker compose config -q', async () => {
    await expect(run('docker', ['compose', 'config', '-q'], { cwd: root, env })).resolves.toBeDefined()
  })

  it.runIf(available)('configures Herald only through the documented env names', async () => {
    const { stdout } = await run('docker', ['compose', 'config', '--format', 'json'], { cwd: root, env })
    const config = JSON.parse(stdout) as {
      services: Record<string, { environment?: Record<string, string> }>
    }
    const shared = [
      'API_KEYS',
      'API_PORT',
      'ARTIFACT_DIR',
      'DATABASE_URL',
      'HERALD_SECRET',
      'MAIL_FROM',
      'PAYLOAD_ENCRYPTION_KEYS',
      'PUBLIC_URL',
      'SMTP_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_UI_URL',
    ]
    const documented = new Set(Object.keys(configSchema.shape))
    for (const service of ['api', 'worker']) {
      const names = Object.keys(config.services[service]?.environment ?? {})
      expect(names).toEqual(expect.arrayContaining(shared))
      // Every name is one src/config.ts reads: a typo would be silently ignored otherwise.
      expect(names.filter((name) => !documented.has(name))).toEqual([])
    }
    expect(config.services.worker?.environment?.WORKER_MAX_CACHED_WORKFLOWS).toBe('500')
    // The UI decrypts through the API's codec route, from the origin the API allows by default.
    expect(config.services['temporal-ui']?.environment?.TEMPORAL_CODEC_ENDPOINT).toBe(
      `${config.services.api?.environment?.PUBLIC_URL}/api/v1/codec`,
    )
    expect(new URL(config.services.api?.environment?.TEMPORAL_UI_URL ?? '').port).toBe('8080')
  })

  it.runIf(available)('refuses to start without the API keys and secret', async () => {
    // One missing at a time: compose stops at the first missing variable it interpolates.
    for (const name of ['HERALD_API_KEYS', 'HERALD_SECRET', 'GRAFANA_ADMIN_PASSWORD']) {
      const missing = { ...env, [name]: '' }
      await expect(run('docker', ['compose', 'config', '-q'], { cwd: root, env: missing })).rejects.toThrow(
        new RegExp(name),
      )
    }
  })

  it.runIf(available)('refuses to start without a payload encryption key', async () => {
    const unencrypted = { ...env, HERALD_PAYLOAD_KEYS: '' }
    await expect(run('docker', ['compose', 'config', '-q'], { cwd: root, env: unencrypted })).rejects.toThrow(
      /HERALD_PAYLOAD_KEYS/,
    )
  })

  it.runIf(available)(
    'runs Prometheus scraping the API and each worker, and Grafana with the Herald dashboard',
    async () => {
      const { stdout } = await run('docker', ['compose', 'config', '--format', 'json'], { cwd: root, env })
      const config = JSON.parse(stdout) as {
        services: Record<
          string,
          { environment?: Record<string, string>; volumes?: { source: string; target: string }[] }
        >
      }
      const port = config.services.worker?.environment?.WORKER_METRICS_PORT
      expect(port).toBe('9464')
      const scrape = await readFile(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')
      expect(scrape).toContain(`port: ${port}`)
      expect(scrape).toContain('metrics_path: /api/v1/metrics')
      // Every file or folder mounted into Prometheus and Grafana exists in the repository.
      for (const service of ['prometheus', 'grafana']) {
        const mounts = (config.services[service]?.volumes ?? []).filter((v) => v.source.startsWith(root))
        expect(mounts.length, service).toBeGreaterThan(0)
        for (const mount of mounts) await expect(stat(mount.source)).resolves.toBeDefined()
      }
      const grafana = config.services.grafana?.volumes ?? []
      expect(grafana.map((v) => v.target)).toEqual(
        expect.arrayContaining(['/etc/grafana/provisioning', '/etc/grafana/dashboards']),
      )
    },
  )
})

describe('deploy/grafana/dashboards/herald.json', () => {
  it("charts only metrics Herald or the SDK exports, and every one of Herald's worker metrics", async () => {
    const dashboard = JSON.parse(
      await readFile(join(root, 'deploy/grafana/dashboards/herald.json'), 'utf8'),
    ) as { uid: string; panels: { targets: { expr: string }[] }[] }
    expect(dashboard.uid).toBe('herald')
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n')
    const charted = new Set(
      [...exprs.matchAll(/\b(herald_\w+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]),
    )
    const worker = (await new WorkerMetrics().registry.getMetricsAsJSON()).map((m) => m.name)
    const api = ['herald_http_requests_total', 'herald_http_request_duration_seconds']
    expect([...charted].filter((name) => !worker.includes(name!) && !api.includes(name!))).toEqual([])
    expect(worker.filter((name) => !charted.has(name))).toEqual([])
    expect(exprs).toMatch(/temporal_workflow_task_schedule_to_start_latency_bucket/)
  })
})
