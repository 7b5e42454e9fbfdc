import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import type { ColumnInfo } from '../../domain/report-data.js'
import { cellTextFor, isRightAligned } from './cell-text.js'
import { type ResultRow, readFirstRows } from './result-rows.js'
import { WallClock } from './wall-clock.js'

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!)
}

const TABLE = 'border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:13px'
const HEAD = 'border:1px solid #d0d7de;padding:4px 8px;background:#f3f4f6;text-align:left'
const CELL = 'border:1px solid #d0d7de;padding:4px 8px'

/** The first `limit` rows as an HTML table with inline styles (mail clients drop <style> blocks). */
export function renderInlineHtmlTable(
  columns: ColumnInfo[],
  rows: ResultRow[],
  limit: number,
  options: { timezone?: string } = {},
): string {
  const clock = new WallClock(options.timezone ?? 'UTC')
  const texts = columns.map((c) => cellTextFor(c, clock))
  const align = columns.map((c) => (isRightAligned(c) ? ';text-align:right' : ''))
  const head = columns.map((c) => `<th style="${HEAD}">${escapeHtml(c.name)}</th>`).join('')
  const body = rows
    .slice(0, Math.max(0, limit))
    .map((row) => {
      const cells = columns.map(
        (_, i) => `<td style="${CELL}${align[i]}">${escapeHtml(texts[i]!(row[i]))}</td>`,
      )
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  return `<table style="${TABLE}">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`
}

/** The first `limit` rows of a query result, for the inline table. */
export function readRows(artifacts: ArtifactStore, resultRef: string, limit: number): Promise<ResultRow[]> {
  return readFirstRows(artifacts, resultRef, limit)
}
