import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type MailSink, startMailSink } from './mail-sink.js'

/**
 * The mail sink in a process of its own, so the benchmarks can meter its CPU apart from the driver's. The child
 * reports its counts over IPC after every accepted message; the parent's getters read the latest report.
 */
export interface MailSinkProcess extends MailSink {
  pid: number
}

type SinkMessage = { url: string } | { accepted: number; lastAcceptedAt: number }

const SCRIPT = fileURLToPath(import.meta.url)

export async function startMailSinkProcess(): Promise<MailSinkProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let accepted = 0
  let lastAcceptedAt = 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (message: SinkMessage) => {
      if ('url' in message) resolve(message.url)
      else ({ accepted, lastAcceptedAt } = message)
    })
    child.once('exit', (code) =>
      reject(new Error(`the mail sink process exited (${code}) before it listened`)),
    )
  })
  return {
    pid: child.pid!,
    url,
    get accepted() {
      return accepted
    },
    get lastAcceptedAt() {
      return lastAcceptedAt
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

async function serve(): Promise<void> {
  const send = (message: SinkMessage) => process.send?.(message)
  const sink = await startMailSink((n, at) => send({ accepted: n, lastAcceptedAt: at }))
  process.once('SIGTERM', () => {
    sink.stop().finally(() => process.exit(0))
  })
  send({ url: sink.url })
}

if (process.argv.includes('--serve'))
  serve().catch((err) => {
    console.error(err)
    process.exit(1)
  })
