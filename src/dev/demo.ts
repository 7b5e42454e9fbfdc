import type { Sql } from 'postgres'
import { DEMO_REPORT_SQL } from '../db/demo.js'
import type { ScheduleSpecInput } from '../domain/schedule.js'

export const DEMO_SCHEDULE_IDEMPOTENCY_KEY = 'herald-demo-schedule-v1'
export const DEMO_LIST_ID = 'demo-sales'

/** The demo distribution list, created once. */
export async function ensureDemoList(sql: Sql): Promise<void> {
  await sql`
    INSERT INTO herald.distribution_lists (id, name, description)
    VALUES (${DEMO_LIST_ID}, 'Demo sales team', 'Recipients of the demo report')
    ON CONFLICT (id) DO NOTHING`
  const members = [
    { email: 'sales-lead@example.com', name: 'Sales Lead' },
    { email: 'analyst@example.com', name: 'Data Analyst' },
    { email: 'regional-managers@example.com', name: 'Regional Managers' },
  ]
  for (const m of members) {
    await sql`
      INSERT INTO herald.distribution_list_members (list_id, email, name)
      VALUES (${DEMO_LIST_ID}, ${m.email}, ${m.name})
      ON CONFLICT DO NOTHING`
  }
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
