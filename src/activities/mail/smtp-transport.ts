import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool'
import type SMTPTransport from 'nodemailer/lib/smtp-transport'
import { inSpan } from '../../telemetry/tracing.js'
import { smtpReplyClass } from '../../telemetry/worker-metrics.js'

/**
 * The SMTP side of mail delivery: `SMTP_URL` parsed into nodemailer options and one pooled transport per
 * configuration, shared by every activity in the worker so connections are reused across runs.
 */

export interface SmtpTimeouts {
  /** How long to wait for the TCP (and implicit TLS) connection. */
  connectionMs?: number
  /** How long to wait for the server's 220 greeting after connecting. */
  greetingMs?: number
  /** How long the socket may stay silent (including waiting for the reply after the final dot). */
  socketMs?: number
  /**
   * A pooled connection idle this long is closed by Herald, before the server closes it: many servers drop idle
   * clients after 60 s (smtp-server, MailDev), and a pooled connection the server already dropped fails the next
   * delivery with `421 Timeout` (nodemailer's default is 4 minutes).
   */
  idleMs?: number
}

export const DEFAULT_SMTP_TIMEOUTS: Required<SmtpTimeouts> = {
  connectionMs: 30_000,
  greetingMs: 30_000,
  socketMs: 60_000,
  idleMs: 30_000,
}

export interface SmtpOptions {
  pool?: boolean
  maxConnections?: number
  /** Messages per pooled connection before it is recycled (nodemailer's default is 100). */
  maxMessages?: number
  timeouts?: SmtpTimeouts
}

export class SmtpUrlError extends Error {
  override name = 'SmtpUrlError'
}

/**
 * `smtp://` is plain SMTP that upgrades with STARTTLS when the server offers it; `?starttls=required` refuses to
 * send without it and `?starttls=never` never upgrades. `smtps://` is implicit TLS. `user:pass@` authenticates;
 * `?tlsRejectUnauthorized=false` accepts self-signed certificates. Timeouts may also come from the URL
 * (`connectionTimeout`, `greetingTimeout`, `socketTimeout`, `idleTimeout`, in ms); explicit options win.
 */
export function smtpTransportOptions(
  smtpUrl: string,
  options: SmtpOptions = {},
): SMTPPool.Options | SMTPTransport.Options {
  let url: URL
  try {
    url = new URL(smtpUrl)
  } catch {
    throw new SmtpUrlError('SMTP_URL is not a valid URL')
  }
  const secure = url.protocol === 'smtps:'
  if (!secure && url.protocol !== 'smtp:')
    throw new SmtpUrlError('SMTP_URL must start with smtp:// or smtps://')
  if (!url.hostname) throw new SmtpUrlError('SMTP_URL needs a host')
  const params = url.searchParams
  const starttls = params.get('starttls') ?? 'opportunistic'
  if (!['opportunistic', 'required', 'never'].includes(starttls)) {
    throw new SmtpUrlError('SMTP_URL starttls must be "required" or "never"')
  }
  const fromUrl = (name: string): number | undefined => {
    const value = params.get(name)
    if (value === null) return undefined
    const ms = Number(value)
    if (!Number.isInteger(ms) || ms <= 0)
      throw new SmtpUrlError(`SMTP_URL ${name} must be a positive integer (ms)`)
    return ms
  }
  const timeouts = {
    connectionMs:
      options.timeouts?.connectionMs ?? fromUrl('connectionTimeout') ?? DEFAULT_SMTP_TIMEOUTS.connectionMs,
    greetingMs:
      options.timeouts?.greetingMs ?? fromUrl('greetingTimeout') ?? DEFAULT_SMTP_TIMEOUTS.greetingMs,
    socketMs: options.timeouts?.socketMs ?? fromUrl('socketTimeout') ?? DEFAULT_SMTP_TIMEOUTS.socketMs,
    idleMs: options.timeouts?.idleMs ?? fromUrl('idleTimeout') ?? DEFAULT_SMTP_TIMEOUTS.idleMs,
  }
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  const single: SMTPTransport.Options = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && starttls === 'required',
    ignoreTLS: !secure && starttls === 'never',
    auth: user ? { user, pass } : undefined,
    tls: params.get('tlsRejectUnauthorized') === 'false' ? { rejectUnauthorized: false } : undefined,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  }
  // Without a pool nodemailer opens a connection per message: fine for one-off tools, slow for reports.
  if (options.pool === false) return single
  return {
    ...single,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 100,
    idleTimeout: timeouts.idleMs,
  }
}

/** What the server said when it accepted a message. */
export interface SentInfo {
  messageId: string
  /** The final reply to DATA, e.g. `250 2.0.0 Ok: queued as 1234`. */
  response: string
}

export interface Mailer {
  /** The configured From header (`MAIL_FROM`). */
  readonly from: string
  send(message: SendMailOptions): Promise<SentInfo>
  /** Connects and authenticates without sending, to fail fast on bad configuration. */
  verify(): Promise<void>
  /** Releases this handle; the shared pool closes when its last handle does. */
  close(): void
}

export interface CreateMailerOptions extends SmtpOptions {
  smtpUrl: string
  from: string
  /** false: a pool of its own instead of the shared one for this configuration (tests, benchmarks). */
  shared?: boolean
}

interface SharedTransport {
  transport: Transporter<SMTPTransport.SentMessageInfo>
  handles: number
}

const transports = new Map<string | symbol, SharedTransport>()

/** A mailer on the shared pooled transport for this SMTP configuration (one pool per URL, options and timeouts). */
export function createMailer(options: CreateMailerOptions): Mailer {
  const transportOptions = smtpTransportOptions(options.smtpUrl, options)
  const key = options.shared === false ? Symbol('private pool') : JSON.stringify(transportOptions)
  let shared = transports.get(key)
  if (!shared) {
    // Both option shapes produce the same SentMessageInfo; the cast only picks one of createTransport's overloads.
    shared = { transport: createTransport(transportOptions as SMTPTransport.Options), handles: 0 }
    transports.set(key, shared)
  }
  shared.handles++
  const { transport } = shared
  let closed = false
  return {
    from: options.from,
    async send(message) {
      if (closed) throw new Error('mailer is closed')
      // One span per SMTP transaction; it names the reply class, not the recipient.
      return inSpan('smtp send', { 'messaging.system': 'smtp' }, async (span) => {
        try {
          const info = await transport.sendMail({ from: options.from, ...message })
          const response = String(info.response ?? '')
          span.setAttribute('smtp.reply_class', smtpReplyClass(response))
          return { messageId: info.messageId, response }
        } catch (err) {
          const reply = (err as { response?: string }).response
          span.setAttribute('smtp.reply_class', smtpReplyClass(reply))
          throw err
        }
      })
    },
    async verify() {
      await transport.verify()
    },
    close() {
      if (closed) return
      closed = true
      const current = transports.get(key)
      if (!current || --current.handles > 0) return
      transports.delete(key)
      current.transport.close()
    },
  }
}
