import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AnotherStartRunningError, OwnedProcesses } from '../../src/dev/owned-processes.js'
import { type ProcessIdentity, processIdentity } from '../../src/dev/process-identity.js'
import { isAlive } from './npm-start.js'

/** A stand-in server: a process that runs until it is signalled, started after the (dead) owner. */
async function server(args = ['600'], command = 'sleep'): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: 'ignore' })
  children.push(child)
  await new Promise((resolve) => child.once('spawn', resolve))
  return child
}

/** The identity of a process that has exited: an owner that crashed. */
async function deadOwner(): Promise<ProcessIdentity> {
  const owner = spawn('sleep', ['600'], { stdio: 'ignore' })
  await new Promise((resolve) => owner.once('spawn', resolve))
  const identity = (await processIdentity(owner.pid!))!
  owner.kill('SIGKILL')
  await new Promise((resolve) => owner.once('exit', resolve))
  return identity
}

const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function setup(
  record: { process?: ProcessIdentity; pidFile?: string; dataPath?: string },
  owner: ProcessIdentity,
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-owned-'))
  dirs.push(dataDir)
  const records = new OwnedProcesses(dataDir)
  await mkdir(records.dir)
  await writeFile(
    join(records.dir, 'postgres.json'),
    JSON.stringify({
      name: 'postgres',
      label: 'the embedded PostgreSQL',
      owner,
      dataPath: join(dataDir, 'postgres'),
      port: 5433,
      stopSignal: 'SIGINT',
      launchedAt: new Date().toISOString(),
      ...record,
    }),
  )
  const lines: string[] = []
  return { records, dataDir, lines, log: (line: string) => lines.push(line) }
}

describe.runIf(process.platform === 'linux')('leftovers of a crashed npm start', () => {
  it('stops the recorded process when its npm start is gone, and forgets the record', async () => {
    const owner = await deadOwner()
    const leftover = await server()
    const { records, lines, log } = await setup({ process: await processIdentity(leftover.pid!) }, owner)

    await records.stopLeftovers(log)

    expect(await isAlive(leftover.pid!)).toBe(false)
    expect(lines).toEqual([
      `stopping the embedded PostgreSQL (pid ${leftover.pid}), left running by an earlier npm start that did not stop cleanly`,
    ])
    expect(await readdir(records.dir)).toEqual([])
  })

  it.each([
    [
      'started at another time (its pid was reused)',
      (p: ProcessIdentity) => ({ ...p, startTicks: p.startTicks - 1 }),
    ],
    [
      'running another command line',
      (p: ProcessIdentity) => ({ ...p, cmdline: ['postgres', '-D', '/elsewhere'] }),
    ],
  ])('never stops a process %s', async (_, recorded) => {
    const owner = await deadOwner()
    const other = await server()
    const { records, lines, log } = await setup(
      { process: recorded((await processIdentity(other.pid!))!) },
      owner,
    )

    await records.stopLeftovers(log)

    expect(await isAlive(other.pid!)).toBe(true)
    expect(lines).toEqual([])
    expect(await readdir(records.dir)).toEqual([]) // the stale record goes, so the next start does not ask again
  })

  it('finds a server through its own pid file when node died before recording the pid, if it runs on our data', async () => {
    const owner = await deadOwner()
    const dataPath = join(tmpdir(), `herald-owned-data-${process.pid}`)
    const ours = await server(['-f', '/dev/null', dataPath], 'tail')
    const { records, dataDir, log } = await setup({ dataPath, pidFile: join(tmpdir(), 'unused') }, owner)
    const pidFile = join(dataDir, 'postmaster.pid')
    await writeFile(pidFile, `${ours.pid}\n${dataPath}\n`)
    await writeFile(
      join(records.dir, 'postgres.json'),
      JSON.stringify({ ...(await readRecord(records.dir)), pidFile }),
    )

    await records.stopLeftovers(log)

    expect(await isAlive(ours.pid!)).toBe(false)
  })

  it('leaves alone a process named in the pid file that does not run on our data', async () => {
    const owner = await deadOwner()
    const other = await server()
    const { records, dataDir, log } = await setup({}, owner)
    const pidFile = join(dataDir, 'postmaster.pid')
    await writeFile(pidFile, `${other.pid}\n`)
    await writeFile(
      join(records.dir, 'postgres.json'),
      JSON.stringify({ ...(await readRecord(records.dir)), pidFile }),
    )

    await records.stopLeftovers(log)

    expect(await isAlive(other.pid!)).toBe(true)
  })

  it('refuses to touch the servers of an npm start that is still running', async () => {
    const leftover = await server()
    const liveOwner = (await processIdentity(process.pid))!
    const { records, log } = await setup({ process: await processIdentity(leftover.pid!) }, liveOwner)

    await expect(records.stopLeftovers(log)).rejects.toThrow(AnotherStartRunningError)
    await expect(records.stopLeftovers(log)).rejects.toThrow(
      `another npm start (pid ${process.pid}) is running`,
    )
    expect(await isAlive(leftover.pid!)).toBe(true)
  })
})

async function readRecord(dir: string): Promise<object> {
  return JSON.parse(await readFile(join(dir, 'postgres.json'), 'utf8'))
}
