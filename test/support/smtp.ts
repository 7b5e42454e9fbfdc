import type { Socket } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'

export interface ReceivedMail {
  envelopeFrom: string
  envelopeTo: string[]
  raw: Buffer
  parsed: ParsedMail
}

export interface SmtpReply {
  code: number
  message: string
}

/**
 * What the server does with a message once DATA has started:
 * - an SMTP reply: reject it with that code;
 * - 'dropMidData': cut the connection while the message is still streaming in (nothing is stored);
 * - 'drop': read the whole message, then cut the connection instead of replying (nothing is stored);
 * - 'acceptThenDrop': store the message, then cut the connection before the reply; the RFC 1047 window where
 *   the client cannot know the message was accepted;
 * - { delayMs }: reply only after the delay; if the client hung up meanwhile the message is not stored.
 */
export type DataFault = SmtpReply | 'drop' | 'dropMidData' | 'acceptThenDrop' | { delayMs: number }

/** Hooks a test sets to make the server misbehave; each returns a fault, or undefined to behave normally. */
export interface SmtpFaults {
  /** An SMTP reply refuses the connection; { delayMs } holds back the greeting. */
  onConnect?: (session: SMTPServerSession) => SmtpReply | { delayMs: number } | undefined
  onRcptTo?: (address: string, session: SMTPServerSession) => SmtpReply | undefined
  onData?: (recipients: string[], session: SMTPServerSession) => DataFault | undefined
}

interface ServerConnection {
  id: string
  _socket: Socket
}

/** A real SMTP server in-process; everything it accepts is parsed with mailparser. */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = []
  faults: SmtpFaults = {}
  /** Connections the clients (or faults) have closed so far. */
  closedConnections = 0
  private server: SMTPServer
  port = 0

  constructor(options: { socketTimeoutMs?: number } = {}) {
    this.server = new SMTPServer({
      socketTimeout: options.socketTimeoutMs,
      onClose: () => {
        this.closedConnections++
      },
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 200 * 1024 * 1024,
      onConnect: (session, callback) => {
        const fault = this.faults.onConnect?.(session)
        if (fault && 'delayMs' in fault) setTimeout(() => callback(), fault.delayMs)
        else callback(fault ? smtpError(fault) : undefined)
      },
      onRcptTo: (address: SMTPServerAddress, session, callback) => {
        const fault = this.faults.onRcptTo?.(address.address, session)
        callback(fault ? smtpError(fault) : undefined)
      },
      onData: (stream, session, callback) => {
        const recipients = session.envelope.rcptTo.map((r) => r.address)
        const fault = this.faults.onData?.(recipients, session)
        const socket = this.socketOf(session)
        if (fault === 'dropMidData') {
          stream.once('data', () => socket?.destroy())
          stream.resume()
          return
        }
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks)
          if (fault === 'drop') return socket?.destroy()
          if (fault === 'acceptThenDrop') {
            await this.store(session, recipients, raw)
            return socket?.destroy()
          }
          if (fault && 'delayMs' in fault) {
            await new Promise((r) => setTimeout(r, fault.delayMs))
            // A server that lost the client before replying discards the message.
            if (!socket || socket.destroyed) return
          } else if (fault) return callback(smtpError(fault))
          await this.store(session, recipients, raw)
          callback()
        })
      },
    })
    this.server.on('error', () => {})
  }

  private async store(session: SMTPServerSession, recipients: string[], raw: Buffer): Promise<void> {
    this.received.push({
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      envelopeTo: recipients,
      raw,
      parsed: await simpleParser(raw),
    })
  }

  /** The TCP socket behind a session, so a fault can cut it; smtp-server keeps its connections in a Set. */
  private socketOf(session: SMTPServerSession): Socket | undefined {
    const connections = (this.server as unknown as { connections: Set<ServerConnection> }).connections
    for (const c of connections) if (c.id === session.id) return c._socket
    return undefined
  }

  async start(): Promise<number> {
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
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for mail; received ${this.received.length}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

function smtpError(fault: SmtpReply): Error {
  const error = new Error(fault.message) as Error & { responseCode: number }
  error.responseCode = fault.code
  return error
}
