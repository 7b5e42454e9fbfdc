import type { KnownBlock } from '@slack/types'
import { fileSize, type ReportSummary, textTable } from './report-summary.js'

/**
 * A report as a Slack Block Kit message, within Slack's documented limits (docs.slack.dev, "Block Kit" reference:
 * at most 50 blocks per message, a section's text at most 3000 characters, a header's at most 150, a context
 * element's at most 2000). The table is a code block that loses rows until it fits one section.
 */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextText: 2000 } as const

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
/** Slack mrkdwn treats &, < and > as control characters. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export interface SlackMessage {
  /** The notification text (and what clients without blocks show). */
  text: string
  blocks: KnownBlock[]
}

export function slackMessage(summary: ReportSummary, note?: string): SlackMessage {
  const text = `${summary.scheduleName}: ${summary.rowCount} rows (${summary.period.text})`
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: cut(summary.scheduleName, SLACK_LIMITS.headerText) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Period*\n${escapeMrkdwn(summary.period.text)}` },
        { type: 'mrkdwn', text: `*Rows*\n${summary.rowCount}` },
        {
          type: 'mrkdwn',
          text: cut(`*Condition*\n${escapeMrkdwn(summary.condition)}`, SLACK_LIMITS.contextText),
        },
      ],
    },
  ]
  if (note)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: cut(escapeMrkdwn(note), SLACK_LIMITS.contextText) }],
    })
  const table = tableSection(summary)
  if (table) blocks.push(table)
  // One section per file keeps each within its text limit; the last blocks are kept for the files' overflow note.
  const room = SLACK_LIMITS.blocks - blocks.length - 1
  for (const file of summary.files.slice(0, room)) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          `<${file.url}|${escapeMrkdwn(file.filename)}> (${fileSize(file.size)}, link valid until ${file.expiresAt.slice(0, 10)})`,
          SLACK_LIMITS.sectionText,
        ),
      },
    })
  }
  if (summary.files.length > room) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${summary.files.length - room} more files in the run` }],
    })
  }
  return { text: cut(text, SLACK_LIMITS.sectionText), blocks }
}

function tableSection(summary: ReportSummary): KnownBlock | undefined {
  if (summary.table.columns.length === 0) return undefined
  for (let rows = summary.table.rows.length; rows >= 0; rows--) {
    const more = summary.rowCount - rows
    const text = `\`\`\`\n${textTable(summary.table, rows)}\n\`\`\`${more > 0 ? `\n_${more} more rows in the files_` : ''}`
    // Counted escaped: `&amp;` is what Slack measures.
    const escaped = escapeMrkdwn(text)
    if (escaped.length <= SLACK_LIMITS.sectionText)
      return { type: 'section', text: { type: 'mrkdwn', text: escaped } }
  }
  return undefined
}
