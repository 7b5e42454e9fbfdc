import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'

export interface ReceivedMail {
  envelopeFrom: string
  envelopeTo: string[]
  raw: Buffer
  parsed: ParsedMail
}

/** Hooks a test sets to make the server misbehave; each returns an SMTP error to send, or undefined to accept. */
export interface SmtpFaults {
  onConnect?: (session: SMTPServerSession) => { code: number; message: string } | undefined
  onRcptTo?: (address: string, session: SMTPServerSession) => { code: number; message: string } | undefined
  onData?: (
    recipients: string[],
    session: SMTPServerSession,
  ) => { code: number; message: string } | 'drop' | { delayMs: number } | undefined
}

/** A real SMTP server in-process; everything it accepts is parsed with mailparser. */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = []
  faults: SmtpFaults = {}
  private server: SMTPServer
  port = 0

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 200 * 1024 * 1024,
      onConnect: (session, callback) => {
        const fault = this.faults.onConnect?.(session)
        callback(fault ? smtpError(fault) : undefined)
      },
      onRcptTo: (address: SMTPServerAddress, session, callback) => {
        const fault = this.faults.onRcptTo?.(address.address, session)
        callback(fault ? smtpError(fault) : undefined)
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', async () => {
          const recipients = session.envelope.rcptTo.map((r) => r.address)
          const fault = this.faults.onData?.(recipients, session)
          if (fault === 'drop') {
            // Connection lost after the final dot: the client never learns whether the mail was accepted.
            ;(session as unknown as { _socket?: { destroy(): void } })._socket?.destroy()
            this.destroySessionSocket(session)
            return
          }
          if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs))
          else if (fault) return callback(smtpError(fault))
          const raw = Buffer.concat(chunks)
          this.received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: recipients,
            raw,
            parsed: await simpleParser(raw),
          })
          callback()
        })
      },
    })
    this.server.on('error', () => {})
  }

  private sockets = new Map<string, { destroy(): void }>()

  private destroySessionSocket(session: SMTPServerSession) {
    this.sockets.get(session.id)?.destroy()
  }

  async start(): Promise<number> {
    // Track sockets by session id so a test can cut a connection mid-transaction.
    this.server.server.on('connection', (socket) => {
      const onData = () => {
        const connections = (this.server as unknown as { connections: Set<{ id: string; _socket: unknown }> })
          .connections
        for (const c of connections) if (c._socket === socket) this.sockets.set(c.id, socket)
      }
      socket.once('data', onData)
      setImmediate(onData)
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const address = this.server.server.address()
    this.port = typeof address === 'object' && address ? address.port : 0
    return this.port
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelopeTo.includes(address))
  }

  async waitFor(predicate: (mails: ReceivedMail[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for mail; received ${this.received.length}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

function smtpError(fault: { code: number; message: string }): Error {
  const error = new Error(fault.message) as Error & { responseCode: number }
  error.responseCode = fault.code
  return error
}
