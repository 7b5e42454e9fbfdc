import { fileSize, type ReportSummary } from './report-summary.js'

/**
 * A report as a Teams message with one Adaptive Card (schema 1.5, whose Table element Teams renders). Teams
 * refuses webhook messages over about 28 KB (learn.microsoft.com, "Create and send messages": "The message size
 * limit is 28 KB"), counted after it re-encodes the body, so the card keeps well under it: rows are dropped until
 * the JSON is at most 20 KB.
 */
export const TEAMS_MAX_BYTES = 20 * 1024

type CardElement = Record<string, unknown>

export function teamsMessage(summary: ReportSummary, note?: string): Record<string, unknown> {
  for (let rows = summary.table.rows.length; rows >= 0; rows--) {
    const message = envelope(card(summary, rows, note))
    if (Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES || rows === 0) return message
  }
  throw new Error('unreachable')
}

const envelope = (content: CardElement) => ({
  type: 'message',
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
})

function card(summary: ReportSummary, rows: number, note: string | undefined): CardElement {
  const body: CardElement[] = [
    { type: 'TextBlock', text: summary.scheduleName, size: 'Large', weight: 'Bolder', wrap: true },
    {
      type: 'FactSet',
      facts: [
        { title: 'Period', value: summary.period.text },
        { title: 'Rows', value: String(summary.rowCount) },
        { title: 'Condition', value: summary.condition },
      ],
    },
  ]
  if (note) body.push({ type: 'TextBlock', text: note, isSubtle: true, wrap: true })
  if (summary.table.columns.length > 0 && rows > 0) {
    const cell = (text: string, bold = false) => ({
      type: 'TableCell',
      items: [{ type: 'TextBlock', text, wrap: true, ...(bold ? { weight: 'Bolder' } : {}) }],
    })
    body.push({
      type: 'Table',
      firstRowAsHeaders: true,
      columns: summary.table.columns.map(() => ({ width: 1 })),
      rows: [
        { type: 'TableRow', cells: summary.table.columns.map((c) => cell(c, true)) },
        ...summary.table.rows.slice(0, rows).map((r) => ({ type: 'TableRow', cells: r.map((v) => cell(v)) })),
      ],
    })
  }
  const more = summary.rowCount - Math.min(rows, summary.table.rows.length)
  if (more > 0 && summary.table.columns.length > 0) {
    body.push({ type: 'TextBlock', text: `${more} more rows in the files`, isSubtle: true, wrap: true })
  }
  for (const file of summary.files) {
    body.push({
      type: 'TextBlock',
      text: `[${file.filename}](${file.url}) (${fileSize(file.size)})`,
      wrap: true,
    })
  }
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body,
    actions: summary.files
      .slice(0, 5)
      .map((f) => ({ type: 'Action.OpenUrl', title: `Download ${f.format.toUpperCase()}`, url: f.url })),
  }
}
