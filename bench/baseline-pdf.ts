import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import PDFDocument from 'pdfkit'
import { PDF_FONTS } from '../src/activities/render/pdf.js'
import { BENCH_COLUMNS, benchRow } from './render-data.js'

const WIDTHS = [48, 78, 74, 44, 62, 48, 92, 62, 30, 100]
const RIGHT = BENCH_COLUMNS.map((c) => c.type === 'integer' || c.type === 'number')

/**
 * Raw pdfkit drawing the same table with the same embedded font: one text() per cell at a computed position,
 * header on every page, no row reading, formatting, truncation or yielding.
 */
export async function baselinePdf(rows: number, path: string): Promise<number> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36 })
  const written = pipeline(doc, createWriteStream(path))
  doc.registerFont('regular', PDF_FONTS.regular)
  doc.registerFont('bold', PDF_FONTS.bold)
  const bottom = doc.page.height - 54
  const header = (top: number) => {
    doc.font('bold').fontSize(8)
    let x = 40
    BENCH_COLUMNS.forEach((c, i) => {
      doc.text(c.name, x, top + 4, { lineBreak: false })
      x += WIDTHS[i]! + 8
    })
    doc.font('regular')
    return top + 19
  }
  doc.font('bold').fontSize(16).text('Orders', 36, 36)
  let y = header(70)
  let page = 1
  for (let i = 0; i < rows; i++) {
    if (y + 13 > bottom) {
      doc.addPage()
      page++
      doc.fontSize(7).text(`Page ${page}`, 36, doc.page.height - 44, { lineBreak: false })
      y = header(36)
    }
    const row = benchRow(i)
    let x = 40
    for (let c = 0; c < row.length; c++) {
      const text =
        typeof row[c] === 'number' ? (row[c] as number).toFixed(RIGHT[c] && c === 4 ? 2 : 0) : String(row[c])
      const at = RIGHT[c] ? x + WIDTHS[c]! - doc.widthOfString(text) : x
      doc.text(text, at, y, { lineBreak: false })
      x += WIDTHS[c]! + 8
    }
    y += 13
  }
  doc.end()
  await written
  return (await stat(path)).size
}
