import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ServerType, serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_BASE } from '../../src/api/app.js'
import { browserRequired, findChromium, INSTALL_CHROMIUM_HINT } from '../support/chromium.js'
import { freePort } from '../support/ports.js'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'

/**
 * The Temporal Web UI as an operator uses it: real runs of two schedules on a dev server with its UI and Herald's
 * search attributes, the UI decoding summaries through Herald's codec endpoint, driven by headless Chromium.
 */
const API_KEY = 'ui-key-0123456789abcdef'
const auth = { authorization: `Bearer ${API_KEY}` }
const RESULTS_DIR = '.herald/test-results'
const DOCS_SCREENSHOT = 'docs/images/temporal-ui-runs.png'
const DOCS_RUN_SCREENSHOT = 'docs/images/temporal-ui-run.png'

const chromiumLookup = findChromium()
const required = browserRequired()
if (!chromiumLookup.found && !required) {
  console.warn(`temporal-web-ui: skipped, ${chromiumLookup.reason}; ${INSTALL_CHROMIUM_HINT}`)
}

describe.skipIf(!chromiumLookup.found && !required)('the Temporal Web UI', () => {
  let stack: HeraldStack
  let api: ServerType
  let browser: Browser
  let page: Page
  let uiUrl: string

  beforeAll(async () => {
    if (!chromiumLookup.found) {
      throw new Error(
        `the Temporal Web UI test needs Chromium: ${chromiumLookup.reason}; ${INSTALL_CHROMIUM_HINT}`,
      )
    }
    const [uiPort, apiPort] = [await freePort(), await freePort()]
    uiUrl = `http://127.0.0.1:${uiPort}`
    stack = await startHeraldStack({
      name: 'temporal-ui',
      apiKeys: API_KEY,
      // As `npm start`: the UI's origin may call the codec endpoint from this machine without a key.
      settings: { TEMPORAL_UI_URL: uiUrl, CODEC_AUTH: 'local-ui' },
      temporal: { ui: { port: uiPort, codecEndpoint: `http://127.0.0.1:${apiPort}${API_BASE}/codec` } },
    })
    api = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: stack.app.fetch, port: apiPort, hostname: '127.0.0.1' }, () =>
        resolve(server),
      )
    })
    browser = await chromium.launch({ executablePath: chromiumLookup.path })
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => api?.close(resolve) ?? resolve(undefined))
    await stack?.stop()
  })

  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    return stack.app.request(`${API_BASE}${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }

  async function createSchedule(name: string, sql: string): Promise<string> {
    const created = await send('POST', '/schedules', {
      name,
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql },
      formats: ['csv'],
      recipients: { to: ['sales@example.com', 'ops@example.com'] },
    })
    expect(created.status).toBe(201)
    return ((await created.json()) as { id: string }).id
  }

  interface Run {
    id: string
    status: string
    temporalUiUrl: string | null
  }

  /** Triggers a run by hand and waits until Herald has recorded how it ended. */
  async function runOnce(scheduleId: string): Promise<Run> {
    const triggered = await send('POST', `/schedules/${scheduleId}/trigger`, { reason: 'UI test' })
    expect(triggered.status).toBe(202)
    const { runId } = (await triggered.json()) as { runId: string }
    for (;;) {
      const response = await send('GET', `/runs/${encodeURIComponent(runId)}`)
      if (response.ok) {
        const run = (await response.json()) as Run
        if (run.status !== 'running') return run
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  /** Visibility is eventually consistent: waits until the query finds the workflow, as the UI will. */
  async function waitUntilListed(query: string, workflowId: string): Promise<void> {
    for (;;) {
      for await (const workflow of stack.env.client.workflow.list({ query })) {
        if (workflow.workflowId === workflowId) return
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  const listUrl = (query: string) =>
    `${uiUrl}/namespaces/${encodeURIComponent(stack.config.TEMPORAL_NAMESPACE)}/workflows?query=${encodeURIComponent(query)}`

  /** The UI renders user metadata as markdown in sandboxed iframes, out of reach of page-level locators. */
  async function waitForTextInFrames(text: string): Promise<void> {
    for (;;) {
      for (const frame of page.frames()) {
        const body = await frame
          .locator('body')
          .textContent()
          .catch(() => null)
        if (body?.includes(text)) return
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  async function screenshot(name: string, docsPath?: string): Promise<void> {
    await mkdir(RESULTS_DIR, { recursive: true })
    const png = await page.screenshot({ fullPage: false })
    await writeFile(join(RESULTS_DIR, name), png)
    if (docsPath && process.env.UPDATE_DOCS_SCREENSHOTS === '1') await writeFile(docsPath, png)
  }

  it('filters runs by Herald search attributes and shows a run with its summary', async () => {
    const sales = await createSchedule(
      'Sales by region',
      'SELECT r.name AS region, count(*)::int AS customers FROM demo.regions r JOIN demo.customers c ON c.region_id = r.id GROUP BY r.name',
    )
    const stock = await createSchedule('Stock levels', 'SELECT name AS region FROM demo.regions')
    const salesSent = await runOnce(sales)
    const stockSent = await runOnce(stock)
    expect([salesSent.status, stockSent.status]).toEqual(['sent', 'sent'])

    const sentQuery = 'HeraldRunOutcome = "sent"'
    const salesQuery = 'HeraldScheduleName = "Sales by region" AND HeraldRunOutcome = "sent"'
    await waitUntilListed(sentQuery, stockSent.id)
    await waitUntilListed(salesQuery, salesSent.id)

    // The list filtered by one attribute shows both runs; adding the schedule's name leaves only its run.
    await page.goto(listUrl(sentQuery))
    await page.getByText(salesSent.id).first().waitFor()
    await page.getByText(stockSent.id).first().waitFor()
    await screenshot('temporal-ui-sent.png')

    await page.goto(listUrl(salesQuery))
    await page.getByText(salesSent.id).first().waitFor()
    expect(await page.getByText(stockSent.id).count()).toBe(0)
    await screenshot('temporal-ui-runs.png', DOCS_SCREENSHOT)

    // The run's own page, reached by the link the API gives, reads its summary through Herald's codec endpoint
    // (summaries are encrypted like every payload).
    expect(salesSent.temporalUiUrl).toMatch(new RegExp(`^${uiUrl}/`))
    await page.goto(salesSent.temporalUiUrl as string)
    // The timeline tells the run's story with each activity's summary…
    await page.getByText('render CSV 8 rows').first().waitFor()
    await page.getByText('deliver to 2 addresses').first().waitFor()
    await screenshot('temporal-ui-run.png', DOCS_RUN_SCREENSHOT)
    // …and the run's own summary and details are under User Metadata.
    await page
      .getByRole('link', { name: 'User Metadata' })
      .or(page.getByRole('tab', { name: 'User Metadata' }))
      .first()
      .click()
    await waitForTextInFrames('Sales by region: run by hand at')
    await waitForTextInFrames('period 20')
    await waitForTextInFrames('sent: 2 sent, 0 already sent')
    await screenshot('temporal-ui-run-metadata.png')
  })
})
