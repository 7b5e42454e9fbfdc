import { join } from 'node:path'
import { createRenderActivities } from '../src/activities/render/render-report.js'
import type { RenderInput } from '../src/domain/report-data.js'
import { baselinePdf } from './baseline-pdf.js'
import { baselineXlsx } from './baseline-xlsx.js'
import { BENCH_COLUMNS, FileArtifactStore, measure } from './render-data.js'

/** One measured render per process, so peak RSS belongs to that render alone. Prints a JSON Measurement. */
const [kind, format, rowsArg, dir] = process.argv.slice(2) as [string, 'pdf' | 'xlsx', string, string]
const rows = Number(rowsArg)

async function herald(): Promise<number> {
  // The parent wrote the rows to <dir>/rows.ndjson, which the file store opens by that id.
  const artifacts = new FileArtifactStore(dir)
  const input: RenderInput = {
    run: {
      scheduleId: 'bench',
      scheduleName: 'Orders benchmark',
      runId: 'bench',
      fireTime: '2024-06-01T06:00:00.000Z',
      periodStart: '2024-01-01T00:00:00.000Z',
      periodEnd: '2024-06-01T00:00:00.000Z',
      timezone: 'Europe/Berlin',
    },
    format,
    resultRef: 'rows.ndjson',
    columns: BENCH_COLUMNS,
    rowCount: rows,
    conditionSummary: 'always',
    csvBom: false,
  }
  const attachment = await createRenderActivities({ artifacts }).renderReport(input)
  return attachment.size
}

const work =
  kind === 'herald'
    ? herald
    : format === 'xlsx'
      ? () => baselineXlsx(rows, join(dir, 'baseline.xlsx'))
      : () => baselinePdf(rows, join(dir, 'baseline.pdf'))

const result = await measure(
  kind === 'herald' ? `Herald ${format}` : `raw ${format === 'xlsx' ? 'exceljs' : 'pdfkit'}`,
  rows,
  work,
)
process.stdout.write(`${JSON.stringify(result)}\n`)
