import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { SendMailOptions } from 'nodemailer'
import type { Attachment } from '../../domain/report-data.js'
import type { RunContext } from '../../domain/run.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import { createUnsubscribeToken } from '../../security/signed-tokens.js'
import { type AttachmentPlan, type MailSizeLimits, planAttachments } from './attachment-plan.js'
import { assertRecipientCount, assertValidHeaders, parseMailbox } from './message-validation.js'

/**
 * Builds the report mail. The parts shared by all recipients (subject, body, which files are attached) are
 * prepared once per run; each recipient then gets its own message with its own Message-ID and unsubscribe link.
 */

export const TEMPLATE_VARIABLES = [
  'schedule',
  'period_start',
  'period_end',
  'fire_time',
  'row_count',
  'condition',
] as const
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number]

export const DEFAULT_BODY = [
  'Your report "{{schedule}}" for {{period_start}} – {{period_end}} is ready.',
  '',
  'Rows: {{row_count}}',
  'Sent because: {{condition}}',
].join('\n')

export interface ReportTemplateInput {
  run: RunContext
  rowCount: number
  conditionReason: string
}

/** `2024-07-01 08:00 GMT+2`: readable, unambiguous, in the schedule's timezone. */
export function formatInstant(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(iso))
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`
}

export function templateVariables(input: ReportTemplateInput): Record<TemplateVariable, string> {
  const { run } = input
  return {
    schedule: run.scheduleName,
    period_start: formatInstant(run.periodStart, run.timezone),
    period_end: formatInstant(run.periodEnd, run.timezone),
    fire_time: formatInstant(run.fireTime, run.timezone),
    row_count: String(input.rowCount),
    condition: input.conditionReason,
  }
}

/** Replaces `{{name}}` (spaces allowed inside the braces); unknown names stay as written so typos are visible. */
export function renderTemplate(
  template: string,
  variables: Record<string, string>,
  encode: (value: string) => string = (v) => v,
): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) =>
    Object.hasOwn(variables, name) ? encode(variables[name]!) : whole,
  )
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Values spliced into a header lose their line breaks: a condition summary must not start a new header. */
function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ')
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/**
 * Message-ID from (run, recipient): the same on every attempt, so a copy re-sent after an unanswered DATA
 * (see docs/DELIVERY.md) can be recognised as a duplicate by MTAs and mail clients.
 */
export function reportMessageId(runId: string, recipient: string, from: string): string {
  const hash = createHash('sha256').update(`${runId}\n${recipient.toLowerCase()}`).digest('hex')
  const domain = parseMailbox(from).address.split('@')[1] || 'herald'
  return `<${hash}@${domain}>`
}

export interface PrepareReportInput extends ReportTemplateInput {
  mail: ScheduleSpec['mail']
  attachments: Attachment[]
  /** The schedule's `to` and `cc`: shown in headers. Bcc and list members receive the mail but are never shown. */
  headerTo: string[]
  headerCc: string[]
  from: string
  publicUrl: string
  secret: string
  limits: MailSizeLimits
  now: Date
  /** Ready-made HTML table of the first rows, when the schedule asks for one. */
  inlineTableHtml?: string
}

export interface PreparedReport {
  run: RunContext
  mail: ScheduleSpec['mail']
  from: string
  headerTo: string[]
  headerCc: string[]
  subject: string
  /** Plain-text and HTML bodies without the per-recipient footer. */
  text: string
  html: string
  plan: AttachmentPlan
  publicUrl: string
  secret: string
}

/** Renders and validates everything recipients share; throws InvalidMessage before anything is sent. */
export function prepareReport(input: PrepareReportInput): PreparedReport {
  const variables = templateVariables(input)
  const subject = renderTemplate(input.mail.subject, variables, singleLine)
  assertValidHeaders({
    from: input.from,
    replyTo: input.mail.replyTo,
    subjectTemplate: input.mail.subject,
    subject,
    headers: input.mail.headers,
    headerTo: input.headerTo,
    headerCc: input.headerCc,
    attachmentFilenames: input.attachments.map((a) => a.filename),
  })
  const bodyTemplate = input.mail.body?.trim() ? input.mail.body : DEFAULT_BODY
  const bodyText = renderTemplate(bodyTemplate, variables)
  // The body is plain text written by the schedule owner: in HTML everything, variables included, is escaped.
  const bodyHtml = paragraphs(escapeHtml(bodyText))
  const table = input.inlineTableHtml ?? ''
  const bodyBytes = Buffer.byteLength(bodyText) * 2 + Buffer.byteLength(bodyHtml) + Buffer.byteLength(table)
  const plan = planAttachments(input.attachments, {
    limits: input.limits,
    bodyBytes,
    publicUrl: input.publicUrl,
    secret: input.secret,
    now: input.now,
  })
  return {
    run: input.run,
    mail: input.mail,
    from: input.from,
    headerTo: input.headerTo,
    headerCc: input.headerCc,
    subject,
    text: bodyText + attachmentNoteText(plan, input.run.timezone),
    html: bodyHtml + table + attachmentNoteHtml(plan, input.run.timezone),
    plan,
    publicUrl: input.publicUrl,
    secret: input.secret,
  }
}

function paragraphs(escaped: string): string {
  return escaped
    .split(/\r?\n\s*\r?\n/)
    .map((p) => `<p>${p.replace(/\r?\n/g, '<br>')}</p>`)
    .join('\n')
}

function attachmentNoteText(plan: AttachmentPlan, timeZone: string): string {
  const lines: string[] = []
  if (plan.attached.length > 0) {
    lines.push(`Attached: ${plan.attached.map((a) => `${a.filename} (${formatBytes(a.size)})`).join(', ')}`)
  }
  for (const l of plan.linked) {
    lines.push(
      `${l.attachment.filename} (${formatBytes(l.attachment.size)}) is too large to attach. ` +
        `Download it until ${formatInstant(l.expiresAt.toISOString(), timeZone)}: ${l.url}`,
    )
  }
  return lines.length > 0 ? `\n\n${lines.join('\n')}` : ''
}

function attachmentNoteHtml(plan: AttachmentPlan, timeZone: string): string {
  if (plan.linked.length === 0) return ''
  const items = plan.linked.map(
    (l) =>
      `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.attachment.filename)}</a> ` +
      `(${formatBytes(l.attachment.size)}) is too large to attach; the link works until ` +
      `${escapeHtml(formatInstant(l.expiresAt.toISOString(), timeZone))}.</li>`,
  )
  return `\n<p>Download:</p>\n<ul>${items.join('')}</ul>`
}

export function unsubscribeUrl(publicUrl: string, secret: string, email: string, scheduleId: string): string {
  const token = createUnsubscribeToken(secret, { email, scheduleId })
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/unsubscribe?token=${encodeURIComponent(token)}`
}

/** Where nodemailer reads an attachment from: a file path it streams itself, or a stream. Never a buffer. */
export type AttachmentSource = { path: string } | { content: Readable }

export interface RecipientMessage {
  recipient: string
  /** A Bcc recipient: never named in the headers. */
  hidden?: boolean
  messageId: string
  /** Per attached file, in `report.plan.attached` order. */
  sources: AttachmentSource[]
}

/** One recipient's message: shared content plus its envelope, Message-ID and unsubscribe link. */
export function composeReportMessage(report: PreparedReport, r: RecipientMessage): SendMailOptions {
  const envelopeTo = [r.recipient]
  assertRecipientCount(envelopeTo.length)
  const unsubscribe = unsubscribeUrl(report.publicUrl, report.secret, r.recipient, report.run.scheduleId)
  const footerText = `\n\n-- \nYou receive this report from Herald ("${report.run.scheduleName}").\nUnsubscribe: ${unsubscribe}\n`
  const footerHtml =
    `\n<hr><p style="font-size:12px;color:#666">You receive this report from Herald ` +
    `("${escapeHtml(report.run.scheduleName)}"). <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a></p>`
  const noVisibleRecipients = report.headerTo.length === 0 && report.headerCc.length === 0
  return {
    from: report.from,
    // With no visible To/Cc, a list member sees their own address; a Bcc recipient sees the empty group.
    to: noVisibleRecipients ? (r.hidden ? 'undisclosed-recipients:;' : r.recipient) : report.headerTo,
    cc: report.headerCc.length > 0 ? report.headerCc : undefined,
    replyTo: report.mail.replyTo,
    subject: report.subject,
    text: report.text + footerText,
    html: htmlDocument(report.subject, report.html + footerHtml),
    messageId: r.messageId,
    // nodemailer writes X-Priority/Importance only for high and low; normal mail carries no priority headers.
    priority: report.mail.priority === 'normal' ? undefined : report.mail.priority,
    headers: {
      ...report.mail.headers,
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      // RFC 3834: tells auto-responders not to reply to a machine.
      'Auto-Submitted': 'auto-generated',
    },
    attachments: report.plan.attached.map((a, i) => ({
      filename: a.filename,
      contentType: a.contentType,
      ...r.sources[i]!,
    })),
    envelope: { from: parseMailbox(report.from).address, to: envelopeTo },
  }
}

function htmlDocument(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
    body,
    '</body></html>',
  ].join('\n')
}
