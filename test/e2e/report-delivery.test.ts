import ExcelJS from 'exceljs'
import { extractText, getDocumentProxy } from 'unpdf'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'

/**
 * The whole path with real parts: HTTP API → schedule workflow → run workflow → PostgreSQL query → PDF/XLSX
 * rendering → SMTP; then what arrived is parsed and compared with the database.
 */
const API_KEY = 'e2e-key-0123456789abcdef'
const auth = { authorization: `Bearer ${API_KEY}` }

let stack: HeraldStack
let app: HeraldStack['app']
let smtp: HeraldStack['smtp']
let services: HeraldStack['services']

beforeAll(async () => {
  stack = await startHeraldStack({
    name: 'e2e',
    apiKeys: API_KEY,
    settings: { PUBLIC_URL: 'http://herald.test' },
  })
  ;({ app, smtp, services } = stack)
})

afterAll(() => stack?.stop())

const REPORT_SQL = `SELECT r.name AS region, count(c.id)::int AS customers, min(c.created_at) AS first_customer_at
  FROM demo.regions r JOIN demo.customers c ON c.region_id = r.id
 WHERE c.created_at < :period_end::timestamptz
 GROUP BY r.name ORDER BY r.name`

it('creates a schedule over HTTP, triggers it, and mails a readable PDF and a typed XLSX to each recipient once', async () => {
  const created = await app.request('/api/v1/schedules', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Customers by region',
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql: REPORT_SQL },
      formats: ['pdf', 'xlsx'],
      recipients: { to: ['sales@example.com', 'ceo@example.com'] },
      mail: { subject: '{{schedule}}: {{row_count}} regions' },
    }),
  })
  expect(created.status).toBe(201)
  const schedule = (await created.json()) as { id: string }

  const triggered = await app.request(`/api/v1/schedules/${schedule.id}/trigger`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'e2e' }),
  })
  expect(triggered.status).toBe(202)
  const { runId } = (await triggered.json()) as { runId: string }

  await smtp.waitFor(
    (mails) => mails.filter((m) => m.parsed.subject?.startsWith('Customers by region')).length >= 2,
  )
  const mails = smtp.received.filter((m) => m.parsed.subject?.startsWith('Customers by region'))
  expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual(['ceo@example.com', 'sales@example.com'])
  expect(mails[0]!.parsed.subject).toBe('Customers by region: 8 regions')

  const { db } = services
  const expected = await db<{ region: string; customers: number }[]>`
    SELECT r.name AS region, count(c.id)::int AS customers FROM demo.regions r JOIN demo.customers c ON c.region_id = r.id
    GROUP BY r.name ORDER BY r.name`

  for (const mail of mails) {
    const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf')!
    const xlsx = mail.parsed.attachments.find((a) => a.filename?.endsWith('.xlsx'))!
    expect(pdf.filename).toMatch(/^customers-by-region-\d{4}-\d{2}-\d{2}\.pdf$/)

    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.content)), {
      mergePages: true,
    })
    expect(text).toContain('Customers by region')
    for (const row of expected) {
      expect(text).toContain(row.region)
    }
    expect(text).toContain('Łódź')

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.content as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]!
    expect(sheet.getRow(1).values).toEqual([undefined, 'region', 'customers', 'first_customer_at'])
    const rows = expected.map((_, i) => sheet.getRow(i + 2))
    expect(rows.map((r) => r.getCell(1).value)).toEqual(expected.map((e) => e.region))
    expect(rows.map((r) => r.getCell(2).value)).toEqual(expected.map((e) => e.customers))
    expect(rows[0]!.getCell(3).value).toBeInstanceOf(Date)
  }

  // The run's record: steps, attachments and one delivery per recipient with the server's reply.
  let run:
    | { status: string; deliveries: { recipient: string; status: string; smtpReply?: string | null }[] }
    | undefined
  for (let i = 0; i < 100 && run?.status !== 'sent'; i++) {
    const response = await app.request(`/api/v1/runs/${encodeURIComponent(runId)}`, { headers: auth })
    if (response.ok) run = (await response.json()) as typeof run
    await new Promise((r) => setTimeout(r, 100))
  }
  expect(run?.status).toBe('sent')
  expect(run!.deliveries.map((d) => [d.recipient, d.status]).sort()).toEqual([
    ['ceo@example.com', 'sent'],
    ['sales@example.com', 'sent'],
  ])
  expect(smtp.received.filter((m) => m.parsed.subject?.startsWith('Customers by region'))).toHaveLength(2)
})
