import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** An SMTP server that reads every message, discards it and counts recipients: the benchmarks' mail sink. */
export interface MailSink {
  url: string
  /** Recipients accepted so far (one message to three recipients counts three). */
  readonly accepted: number
  /** Epoch ms of the latest accepted message. */
  readonly lastAcceptedAt: number
  stop(): Promise<void>
}

/** `onAccepted` hears of every accepted message (the sink process reports its counts with it). */
export async function startMailSink(
  onAccepted?: (accepted: number, lastAcceptedAt: number) => void,
): Promise<MailSink> {
  let accepted = 0
  let lastAcceptedAt = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 100 * 1024 * 1024,
    onData(stream, session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
        accepted += session.envelope.rcptTo.length
        lastAcceptedAt = Date.now()
        onAccepted?.(accepted, lastAcceptedAt)
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}?starttls=never`,
    get accepted() {
      return accepted
    },
    get lastAcceptedAt() {
      return lastAcceptedAt
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
