import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import type { ArtifactMeta, ArtifactStore } from '../../artifacts/artifact-store.js'
import type { ColumnInfo, ColumnType, RenderInput } from '../../domain/report-data.js'
import { cellTextFor } from './cell-text.js'
import { EventLoopYielder } from './event-loop.js'
import { CONTENT_TYPES, reportFilename } from './report-file.js'
import { type ResultRow, readRowBatches } from './result-rows.js'
import { WallClock } from './wall-clock.js'

export const XLSX_NUMBER_FORMATS: Partial<Record<ColumnType, string>> = {
  integer: '#,##0',
  number: '#,##0.00',
  date: 'yyyy-mm-dd',
  timestamp: 'yyyy-mm-dd hh:mm',
}

const WIDTH_SAMPLE_ROWS = 200
// exceljs hands sheet XML to the zip without waiting for it; hold the rows back while this much is queued.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
const MAX_CELL_CHARS = 32_767 // Excel's limit per cell

type CellValue = string | number | boolean | Date | null

/** One cell converter per column: typed values so Excel can sort, sum and filter them. */
function cellValueFor(column: ColumnInfo, clock: WallClock): (value: unknown) => CellValue {
  switch (column.type) {
    case 'integer':
    case 'number':
    case 'boolean':
      return (v) => (v === undefined ? null : (v as CellValue))
    case 'date':
    case 'timestamp':
      return (v) => {
        if (typeof v !== 'string') return null
        // Excel has no timezones: a Date whose UTC fields are the local wall-clock time shows that time.
        const ms = column.type === 'date' ? Date.parse(v) : clock.localMs(v)
        return Number.isNaN(ms) ? v : new Date(ms)
      }
    case 'json':
      return (v) => (v === null || v === undefined ? null : JSON.stringify(v).slice(0, MAX_CELL_CHARS))
    default:
      return (v) => (v === null || v === undefined ? null : String(v).slice(0, MAX_CELL_CHARS))
  }
}

/** Character widths from the header and the first rows: enough to read without a second pass. */
function columnWidths(columns: ColumnInfo[], sample: ResultRow[], clock: WallClock): number[] {
  return columns.map((column, i) => {
    const text = cellTextFor(column, clock)
    let widest = column.name.length + 3 // room for the filter button
    for (const row of sample) widest = Math.max(widest, text(row[i]).length)
    return Math.min(60, Math.max(8, widest + 2))
  })
}

/**
 * Bytes of sheet XML written but not yet taken by the zip. exceljs pipes the sheet into archiver ignoring
 * backpressure, so without this check a fast producer queues the whole sheet in memory.
 */
function queuedSheetBytes(sheet: ExcelJS.Worksheet): number {
  // The pipes are readable-stream v2 streams (archiver's), which lack writableLength: read the state.
  type Pipe = { _writableState?: { length?: number }; _readableState?: { length?: number } }
  const internals = sheet as unknown as { stream?: { pipes?: Pipe[] } }
  let queued = 0
  for (const pipe of internals.stream?.pipes ?? []) {
    queued += (pipe._writableState?.length ?? 0) + (pipe._readableState?.length ?? 0)
  }
  return queued
}

function columnLetter(index: number): string {
  let n = index + 1
  let letters = ''
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

/**
 * Streams a typed workbook: bold frozen header with an autofilter, number and date formats per column,
 * each row committed (written out and released) as soon as it is added.
 */
export async function renderXlsx(input: RenderInput, artifacts: ArtifactStore): Promise<ArtifactMeta> {
  const output = new PassThrough()
  const stored = artifacts.write(
    {
      runId: input.run.runId,
      filename: reportFilename(input.run, 'xlsx'),
      contentType: CONTENT_TYPES.xlsx,
      retentionDays: input.run.artifactRetentionDays,
    },
    output,
  )
  stored.catch(() => {}) // observed below; this only keeps an early failure from being reported as unhandled
  try {
    await writeWorkbook(input, artifacts, output)
  } catch (error) {
    output.destroy(error as Error)
    await stored.catch(() => {})
    throw error
  }
  return stored
}

async function writeWorkbook(input: RenderInput, artifacts: ArtifactStore, output: PassThrough) {
  const { columns } = input
  const clock = new WallClock(input.run.timezone)
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: true,
    useSharedStrings: false,
  })
  workbook.creator = 'Herald'
  const sheet = workbook.addWorksheet('Report', { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] })

  const batches = readRowBatches(artifacts, input.resultRef)
  const first = await batches.next()
  const firstBatch = first.done ? [] : first.value
  const widths = columnWidths(columns, firstBatch.slice(0, WIDTH_SAMPLE_ROWS), clock)
  sheet.columns = widths.map((width, i) => ({ key: `c${i}`, width }))

  // One style object per column, shared by all its cells: exceljs caches style ids by object identity,
  // so sharing skips re-serialising the same style for every cell.
  const styles: Partial<ExcelJS.Style>[] = columns.map((c) => {
    const numFmt = XLSX_NUMBER_FORMATS[c.type]
    return numFmt ? { numFmt } : {}
  })
  const headerStyle: Partial<ExcelJS.Style> = { font: { bold: true }, alignment: { vertical: 'middle' } }
  const header = sheet.addRow(columns.map((c) => c.name))
  for (let i = 0; i < columns.length; i++) header.getCell(i + 1).style = headerStyle
  header.commit()

  const values = columns.map((c) => cellValueFor(c, clock))
  // Checked every 16 rows: the first rows run cold (exceljs code not yet optimised) and are slow.
  const yielder = new EventLoopYielder(20, 16)
  await yielder.yieldNow() // the set-up above is one busy stretch already
  let rowCount = 0
  const writeBatch = async (batch: ResultRow[]) => {
    for (const row of batch) {
      const cells: CellValue[] = new Array(columns.length)
      for (let i = 0; i < columns.length; i++) cells[i] = values[i]!(row[i])
      const added = sheet.addRow(cells)
      for (let i = 0; i < columns.length; i++) added.getCell(i + 1).style = styles[i]!
      added.commit()
      rowCount++
      if (yielder.due()) {
        await yielder.yieldNow()
        while (queuedSheetBytes(sheet) > MAX_QUEUED_BYTES) {
          if (output.destroyed) throw new Error('the workbook output closed before the workbook was complete')
          await sleep(2)
        }
      }
    }
  }
  try {
    await writeBatch(firstBatch)
    for await (const batch of batches) await writeBatch(batch)
  } finally {
    await batches.return(undefined) // closes the result file if writing stopped early
  }

  if (columns.length > 0) sheet.autoFilter = `A1:${columnLetter(columns.length - 1)}${rowCount + 1}`
  sheet.commit()
  await workbook.commit()
}
