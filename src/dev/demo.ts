import type { Sql } from 'postgres'
import { DEMO_REPORT_SQL } from '../db/demo.js'
import * as distributionLists from '../db/distribution-lists.js'
import type { ScheduleSpecInput } from '../domain/schedule.js'

export const DEMO_SCHEDULE_IDEMPOTENCY_KEY = 'herald-demo-schedule-v1'
export const DEMO_LIST_ID = 'demo-sales'

/** The demo distribution list, created once. */
export async function ensureDemoList(sql: Sql): Promise<void> {
  await distributionLists.ensure(sql, {
    id: DEMO_LIST_ID,
    name: 'Demo sales team',
    description: 'Recipients of the demo report',
  })
  const members = [
    { email: 'sales-lead@example.com', name: 'Sales Lead' },
    { email: 'analyst@example.com', name: 'Data Analyst' },
    { email: 'regional-managers@example.com', name: 'Regional Managers' },
  ]
  for (const m of members) await distributionLists.ensureMember(sql, DEMO_LIST_ID, m)
}

/** Sales by region, every minute in Europe/Berlin, PDF + Excel, to the demo list. */
export const demoScheduleSpec: ScheduleSpecInput = {
  name: 'Sales by region (demo)',
  description: 'Revenue, orders and units per region over the 30 days before each run.',
  cron: '* * * * *',
  timezone: 'Europe/Berlin',
  query: { sql: DEMO_REPORT_SQL },
  formats: ['pdf', 'xlsx'],
  recipients: { lists: [DEMO_LIST_ID] },
  owners: ['ops@example.com'],
  mail: {
    subject: '{{schedule}}: {{row_count}} regions, period ending {{period_end}}',
    body: 'Hello,\n\nattached is the report "{{schedule}}" for {{period_start}} – {{period_end}} ({{row_count}} rows).\nCondition: {{condition}}',
    inlineRows: 8,
  },
  overlap: 'skip',
}
