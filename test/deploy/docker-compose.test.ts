import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const env = {
  ...process.env,
  HERALD_API_KEYS: 'compose-check-key',
  HERALD_SECRET: 'compose-check-secret-0123',
  HERALD_PAYLOAD_KEYS: `compose:${Buffer.alloc(32, 1).toString('base64')}`,
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
    for (const name of ['HERALD_API_KEYS', 'HERALD_SECRET']) {
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
})
