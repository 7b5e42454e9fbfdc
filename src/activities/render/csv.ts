import type { ArtifactMeta, ArtifactStore } from '../../artifacts/artifact-store.js'
import type { ColumnInfo, RenderInput } from '../../domain/report-data.js'
import { CONTENT_TYPES, reportFilename } from './report-file.js'
import { readRowBatches } from './result-rows.js'
import { WallClock } from './wall-clock.js'

const NEEDS_QUOTES = /[",\r\n]/
const BOM = '\uFEFF'

/** RFC 4180: CRLF line ends; fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Spreadsheets run a cell that starts with = + - @ as a formula, so a value from the data could exfiltrate the
 * sheet (OWASP "CSV injection"). Such text gets a leading apostrophe, as Superset does; plain numbers stay as they are.
 */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text
}

/** CSV is for machines: plain numbers, ISO dates, instants with the schedule's UTC offset. */
function csvValueFor(column: ColumnInfo, clock: WallClock): (value: unknown) => string {
  return (value) => {
    if (value === null || value === undefined) return ''
    if (column.type === 'timestamp' && typeof value === 'string') return clock.isoWithOffset(value)
    if (typeof value === 'object') return csvField(JSON.stringify(value))
    if (typeof value === 'string') return csvField(defuseFormula(value))
    return csvField(String(value))
  }
}

export async function* csvLines(
  columns: ColumnInfo[],
  batches: AsyncIterable<unknown[][]>,
  options: { bom: boolean; timezone: string },
): AsyncGenerator<string> {
  const clock = new WallClock(options.timezone)
  const values = columns.map((c) => csvValueFor(c, clock))
  yield `${options.bom ? BOM : ''}${columns.map((c) => csvField(defuseFormula(c.name))).join(',')}\r\n`
  for await (const batch of batches) {
    let chunk = ''
    for (const row of batch) {
      let line = ''
      for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + values[i]!(row[i])
      chunk += `${line}\r\n`
    }
    yield chunk
  }
}

export async function renderCsv(input: RenderInput, artifacts: ArtifactStore): Promise<ArtifactMeta> {
  return artifacts.write(
    {
      runId: input.run.runId,
      filename: reportFilename(input.run, 'csv'),
      contentType: CONTENT_TYPES.csv,
      retentionDays: input.run.artifactRetentionDays,
    },
    csvLines(input.columns, readRowBatches(artifacts, input.resultRef), {
      bom: input.csvBom,
      timezone: input.run.timezone,
    }),
  )
}
