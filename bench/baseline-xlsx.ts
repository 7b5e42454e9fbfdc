import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { BENCH_COLUMNS, benchRow } from './render-data.js'

const FORMATS: Record<string, string> = {
  integer: '#,##0',
  number: '#,##0.00',
  date: 'yyyy-mm-dd',
  timestamp: 'yyyy-mm-dd hh:mm',
}

/**
 * Raw exceljs, as its README shows streaming: WorkbookWriter with column styles, addRow().commit() per row.
 * Values are built in memory (no file to read), the same typed values Herald writes.
 */
export async function baselineXlsx(rows: number, path: string): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: createWriteStream(path),
    useStyles: true,
    useSharedStrings: false,
  })
  const sheet = workbook.addWorksheet('Report', { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = BENCH_COLUMNS.map((c) => ({
    key: c.name,
    width: 14,
    style: FORMATS[c.type] ? { numFmt: FORMATS[c.type] } : {},
  }))
  const header = sheet.addRow(BENCH_COLUMNS.map((c) => c.name))
  header.font = { bold: true }
  header.commit()
  for (let i = 0; i < rows; i++) {
    const row = benchRow(i)
    row[6] = new Date(row[6] as string)
    row[7] = new Date(row[7] as string)
    sheet.addRow(row).commit()
  }
  sheet.autoFilter = `A1:J${rows + 1}`
  sheet.commit()
  await workbook.commit()
  return (await stat(path)).size
}
