import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import PDFDocument from 'pdfkit'
import type { ArtifactMeta, ArtifactStore } from '../../artifacts/artifact-store.js'
import type { ColumnInfo, RenderInput } from '../../domain/report-data.js'
import { type CellText, cellTextFor, isRightAligned } from './cell-text.js'
import { EventLoopYielder } from './event-loop.js'
import { CONTENT_TYPES, reportFilename } from './report-file.js'
import { type ResultRow, readRowBatches } from './result-rows.js'
import { WallClock } from './wall-clock.js'

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
/** DejaVu Sans covers Latin, Greek and Cyrillic, so names like Łódź or Øresund print as written. */
export const PDF_FONTS = {
  regular: join(FONT_DIR, 'DejaVuSans.ttf'),
  bold: join(FONT_DIR, 'DejaVuSans-Bold.ttf'),
}

const MARGIN = 36
const BODY_SIZE = 8
const ROW_HEIGHT = 13
const HEADER_HEIGHT = 16
const CELL_PADDING = 4
const FOOTER_SPACE = 18
const MIN_COLUMN_WIDTH = 28
const WIDTH_SAMPLE_ROWS = 200
const LANDSCAPE_ABOVE_COLUMNS = 6
// pdfkit pushes page data without waiting for the reader; pause drawing when this much is queued.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
// Font tables fontkit parses lazily on first use, each a few to 20 ms; touched one per event-loop turn.
// pdfkit's per-word layout cache grows with distinct values (~7 KB a row); emptied every so many pages.
const FORGET_LAYOUTS_EVERY_PAGES = 25
const LAZY_FONT_TABLES = ['cmap', 'hmtx', 'post', 'OS/2', 'GDEF', 'GSUB', 'GPOS', 'kern']

type FontName = keyof typeof PDF_FONTS
/** Parsed fontkit fonts, shared by every document in the process once warmed up (pdfkit accepts them as sources). */
let warmFonts: Record<FontName, unknown> | undefined

const ONE_LINE = Object.freeze({ lineBreak: false })

interface TableLayout {
  x: number[]
  widths: number[]
  right: boolean[]
  text: CellText[]
}

/**
 * A paginated table report: title block, then the rows with the header repeated on every page and
 * "Page n of m" in the footer (m is known up front from the row count, so nothing is buffered).
 */
export async function renderPdf(input: RenderInput, artifacts: ArtifactStore): Promise<ArtifactMeta> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: input.columns.length > LANDSCAPE_ABOVE_COLUMNS ? 'landscape' : 'portrait',
    margin: MARGIN,
    info: { Title: input.run.scheduleName, Creator: 'Herald', Producer: 'Herald' },
  })
  const stored = artifacts.write(
    {
      runId: input.run.runId,
      filename: reportFilename(input.run, 'pdf'),
      contentType: CONTENT_TYPES.pdf,
      retentionDays: input.run.artifactRetentionDays,
    },
    doc,
  )
  stored.catch(() => {}) // observed below; this only keeps an early failure from being reported as unhandled
  try {
    await drawReport(doc, input, artifacts)
    doc.end()
  } catch (error) {
    doc.destroy(error as Error)
    await stored.catch(() => {})
    throw error
  }
  return stored
}

async function drawReport(doc: PDFKit.PDFDocument, input: RenderInput, artifacts: ArtifactStore) {
  const { run, columns } = input
  const clock = new WallClock(run.timezone)
  const yielder = new EventLoopYielder(15, 8)
  await useFonts(doc, yielder)

  const width = doc.page.width - 2 * MARGIN
  doc.font('bold').fontSize(16).text(run.scheduleName, MARGIN, MARGIN, { width })
  doc.moveDown(0.3)
  doc.font('regular').fontSize(9)
  const period = `${clock.format(run.periodStart)} – ${clock.format(run.periodEnd)} (${run.timezone})`
  doc.text(`Period: ${period}`, { width })
  doc.text(`Generated: ${clock.format(new Date().toISOString())} (${run.timezone})`, { width })
  if (input.conditionSummary) doc.text(`Condition: ${input.conditionSummary}`, { width })
  doc.text(`Rows: ${input.rowCount.toLocaleString('en-US')}`, { width })
  const tableTop = doc.y + 10

  const bottom = doc.page.height - MARGIN - FOOTER_SPACE
  const firstPageRows = Math.max(0, Math.floor((bottom - tableTop - HEADER_HEIGHT) / ROW_HEIGHT))
  const pageRows = Math.floor((bottom - MARGIN - HEADER_HEIGHT) / ROW_HEIGHT)
  const pageCount =
    input.rowCount <= firstPageRows ? 1 : 1 + Math.ceil((input.rowCount - firstPageRows) / pageRows)

  const batches = readRowBatches(artifacts, input.resultRef)
  const first = await batches.next()
  const firstBatch = first.done ? [] : first.value
  doc.fontSize(BODY_SIZE)
  // Measuring first-seen text is slow (fontkit shapes and caches each glyph), so check the clock every row.
  const sampling = new EventLoopYielder(15, 1)
  const layout = await tableLayout(
    doc,
    columns,
    firstBatch.slice(0, WIDTH_SAMPLE_ROWS),
    clock,
    width,
    sampling,
  )

  let page = 1
  let y = tableTop
  let rowsLeftOnPage = firstPageRows
  drawFooter(doc, run.scheduleName, page, pageCount)
  if (input.rowCount === 0 && firstBatch.length === 0) {
    doc.font('regular').fontSize(10).text('No rows in this period.', MARGIN, tableTop, { lineBreak: false })
    await embedFonts(doc, yielder)
    return
  }
  y = drawHeader(doc, columns, layout, y)

  const drawRows = async (rows: ResultRow[]) => {
    for (const row of rows) {
      if (rowsLeftOnPage === 0) {
        if (page % FORGET_LAYOUTS_EVERY_PAGES === 0) forgetLayouts(doc)
        doc.addPage()
        page++
        drawFooter(doc, run.scheduleName, page, Math.max(page, pageCount))
        y = drawHeader(doc, columns, layout, MARGIN)
        rowsLeftOnPage = pageRows
      }
      for (let i = 0; i < columns.length; i++) {
        const text = layout.text[i]!(row[i])
        if (text === '') continue
        const [shown, shownWidth] = fitText(doc, text, layout.widths[i]!)
        doc.text(
          shown,
          layout.right[i] ? layout.x[i]! + layout.widths[i]! - shownWidth : layout.x[i]!,
          y,
          ONE_LINE,
        )
      }
      y += ROW_HEIGHT
      rowsLeftOnPage--
      if (yielder.due()) {
        await yielder.yieldNow()
        while (doc.readableLength > MAX_QUEUED_BYTES) {
          if (doc.destroyed) throw new Error('the PDF output closed before the document was complete')
          await yielder.yieldNow()
        }
      }
    }
  }
  doc.font('regular').fontSize(BODY_SIZE).fillColor('black')
  try {
    await drawRows(firstBatch)
    for await (const batch of batches) await drawRows(batch)
  } finally {
    await batches.return(undefined) // closes the result file if drawing stopped early
  }
  await embedFonts(doc, yielder)
}

/** Registers the report fonts, parsing and warming them in small steps the first time in this process. */
async function useFonts(doc: PDFKit.PDFDocument, yielder: EventLoopYielder) {
  if (warmFonts) {
    for (const name of Object.keys(PDF_FONTS) as FontName[]) {
      doc.registerFont(name, warmFonts[name] as PDFKit.Mixins.PDFFontSource)
    }
    return
  }
  const fonts: Partial<Record<FontName, unknown>> = {}
  for (const name of Object.keys(PDF_FONTS) as FontName[]) {
    doc.registerFont(name, await readFile(PDF_FONTS[name]))
    doc.font(name)
    const font = (doc as unknown as { _font: { font: Record<string, unknown> } })._font.font
    for (const table of LAZY_FONT_TABLES) {
      void font[table]
      await yielder.yieldNow()
    }
    doc.widthOfString('Warm-up: 0123456789 ÄÖÜ Łódź')
    await yielder.yieldNow()
    fonts[name] = font
  }
  warmFonts = fonts as Record<FontName, unknown>
}

interface PdfkitInternals {
  _fontFamilies?: Record<string, { layoutCache?: unknown; finalize?: () => void }>
}

/**
 * pdfkit caches the shaping of every distinct word for the whole document; with report data (mostly distinct
 * numbers) that grows with the row count. Clearing it now and then keeps memory flat at a small cost.
 */
function forgetLayouts(doc: PDFKit.PDFDocument) {
  for (const font of Object.values((doc as unknown as PdfkitInternals)._fontFamilies ?? {})) {
    if (font.layoutCache) font.layoutCache = Object.create(null)
  }
}

/** Embeds the font subsets one per turn before doc.end(), which would otherwise do all of them in one block. */
async function embedFonts(doc: PDFKit.PDFDocument, yielder: EventLoopYielder) {
  for (const font of Object.values((doc as unknown as PdfkitInternals)._fontFamilies ?? {})) {
    font.finalize?.()
    await yielder.yieldNow()
  }
}

/** Column widths from the header and the first rows, scaled to fill the page width. */
async function tableLayout(
  doc: PDFKit.PDFDocument,
  columns: ColumnInfo[],
  sample: ResultRow[],
  clock: WallClock,
  available: number,
  yielder: EventLoopYielder,
): Promise<TableLayout> {
  const text = columns.map((c) => cellTextFor(c, clock))
  doc.font('bold')
  const natural = columns.map((c) => doc.widthOfString(c.name))
  doc.font('regular')
  for (const row of sample) {
    for (let i = 0; i < columns.length; i++) {
      natural[i] = Math.max(natural[i]!, doc.widthOfString(clean(text[i]!(row[i]))))
    }
    if (yielder.due()) await yielder.yieldNow()
  }
  const wanted = natural.map((w) => Math.max(MIN_COLUMN_WIDTH, w + 2 * CELL_PADDING))
  const total = wanted.reduce((a, b) => a + b, 0)
  const widths = wanted.map((w) => (w * available) / Math.max(total, 1))
  const x: number[] = []
  let left = MARGIN
  for (const w of widths) {
    x.push(left + CELL_PADDING)
    left += w
  }
  return {
    x,
    widths: widths.map((w) => Math.max(1, w - 2 * CELL_PADDING)),
    right: columns.map(isRightAligned),
    text: text.map((t) => (value: unknown) => clean(t(value))),
  }
}

function drawHeader(
  doc: PDFKit.PDFDocument,
  columns: ColumnInfo[],
  layout: TableLayout,
  top: number,
): number {
  const width = doc.page.width - 2 * MARGIN
  doc.rect(MARGIN, top, width, HEADER_HEIGHT).fill('#e8ebef')
  doc.fillColor('black').font('bold').fontSize(BODY_SIZE)
  for (let i = 0; i < columns.length; i++) {
    drawCell(doc, columns[i]!.name, layout.x[i]!, top + 4, layout.widths[i]!, layout.right[i]!)
  }
  doc
    .moveTo(MARGIN, top + HEADER_HEIGHT)
    .lineTo(MARGIN + width, top + HEADER_HEIGHT)
    .lineWidth(0.5)
    .stroke('#9aa3ad')
  doc.fillColor('black').font('regular').fontSize(BODY_SIZE)
  return top + HEADER_HEIGHT + 3
}

function drawFooter(doc: PDFKit.PDFDocument, title: string, page: number, pageCount: number) {
  const y = doc.page.height - MARGIN - 8
  const width = doc.page.width - 2 * MARGIN
  doc.font('regular').fontSize(7).fillColor('#555555')
  drawCell(doc, title, MARGIN, y, width / 2, false)
  drawCell(doc, `Page ${page} of ${pageCount}`, MARGIN + width / 2, y, width / 2, true)
  doc.fillColor('black').fontSize(BODY_SIZE)
}

/** One line of text clipped with an ellipsis; positioned by hand so pdfkit's line wrapper stays out of the loop. */
function drawCell(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  width: number,
  right: boolean,
) {
  if (text === '') return
  const [shown, shownWidth] = fitText(doc, text, width)
  doc.text(shown, right ? x + width - shownWidth : x, y, ONE_LINE)
}

/** The text, or as much of it as fits followed by an ellipsis, with its width at the current font and size. */
function fitText(doc: PDFKit.PDFDocument, text: string, width: number): [string, number] {
  const full = doc.widthOfString(text)
  if (full <= width) return [text, full]
  const shown = truncate(doc, text, width)
  return [shown, doc.widthOfString(shown)]
}

function truncate(doc: PDFKit.PDFDocument, text: string, width: number): string {
  let low = 0
  let high = text.length
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) low = mid
    else high = mid - 1
  }
  return low === 0 ? '' : `${text.slice(0, low).trimEnd()}…`
}

function clean(text: string): string {
  return /[\r\n\t]/.test(text) ? text.replace(/[\r\n\t]+/g, ' ') : text
}
