import type { DestinationDeliveryInput } from '../../domain/destination-delivery.js'
import { ATTACHMENT_LINK_TTL_MS, artifactDownloadUrl } from '../mail/attachment-plan.js'
import { formatInstant } from '../mail/compose.js'
import { cellTextFor, isRightAligned } from '../render/cell-text.js'
import type { ResultRow } from '../render/result-rows.js'
import { WallClock } from '../render/wall-clock.js'

/** Rows a chat message shows at most; each platform may show fewer to stay within its limits. */
export const SUMMARY_TABLE_ROWS = 10

/** What every destination message says about a run: what the mail carries, the files as signed links. */
export interface ReportSummary {
  scheduleId: string
  scheduleName: string
  runId: string
  fireTime: string
  period: { start: string; end: string; timezone: string; text: string }
  condition: string
  rowCount: number
  table: { columns: string[]; rightAligned: boolean[]; rows: string[][] }
  files: { filename: string; format: string; size: number; url: string; expiresAt: string }[]
}

export function reportSummary(
  input: DestinationDeliveryInput,
  rows: ResultRow[],
  links: { publicUrl: string; secret: string; now: Date },
): ReportSummary {
  const { run } = input
  const columns = input.columns ?? []
  const clock = new WallClock(run.timezone)
  const texts = columns.map((c) => cellTextFor(c, clock))
  const expiresAt = new Date(links.now.getTime() + ATTACHMENT_LINK_TTL_MS)
  return {
    scheduleId: run.scheduleId,
    scheduleName: run.scheduleName,
    runId: run.runId,
    fireTime: run.fireTime,
    period: {
      start: run.periodStart,
      end: run.periodEnd,
      timezone: run.timezone,
      text: `${formatInstant(run.periodStart, run.timezone)} – ${formatInstant(run.periodEnd, run.timezone)}`,
    },
    condition: input.conditionReason,
    rowCount: input.rowCount,
    table: {
      columns: columns.map((c) => c.name),
      rightAligned: columns.map(isRightAligned),
      rows: rows.slice(0, SUMMARY_TABLE_ROWS).map((row) => columns.map((_, i) => texts[i]!(row[i]))),
    },
    files: input.attachments.map((a) => ({
      filename: a.filename,
      format: a.format,
      size: a.size,
      url: artifactDownloadUrl(links.publicUrl, links.secret, a.artifactId, expiresAt),
      expiresAt: expiresAt.toISOString(),
    })),
  }
}

/** A fixed-width text table (for Slack's code blocks), cells cut to `cellWidth`. */
export function textTable(table: ReportSummary['table'], rowCount: number, cellWidth = 24): string {
  const cut = (s: string) => (s.length > cellWidth ? `${s.slice(0, cellWidth - 1)}…` : s)
  const rows = [table.columns, ...table.rows.slice(0, rowCount)].map((r) => r.map(cut))
  const widths = table.columns.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, i) => (table.rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
    .join('\n')
    .replace(/\s+$/gm, '')
}

export const fileSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`
