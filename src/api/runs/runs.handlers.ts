import type { RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import * as deliveries from '../../db/deliveries.js'
import * as runs from '../../db/runs.js'
import { artifactLink } from '../artifacts/artifact-links.js'
import type { AppBindings, TemporalDeps } from '../deps.js'
import { decodeCursor, page } from '../pagination.js'
import { notFound } from '../problems.js'
import { requireSchedule } from '../schedules/require-schedule.js'
import { temporalUiUrl } from '../temporal-calls.js'
import type { GetOneRoute, ListForScheduleRoute, ListRoute, RunPageQuery, StatsRoute } from './runs.routes.js'

const ATTACHMENT_LINK_TTL_MS = 60 * 60_000

function toRunSummary(row: runs.RunRow, temporal: TemporalDeps) {
  return {
    id: row.id,
    scheduleId: row.schedule_id,
    fireTime: row.fire_time.toISOString(),
    trigger: row.trigger,
    status: row.status,
    reason: row.reason,
    rowCount: row.row_count,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
    temporalUiUrl: row.has_workflow ? temporalUiUrl(temporal, row.id) : null,
  }
}

/** One page of runs matching the query's filters, of one schedule or all. */
async function runPage(c: Context<AppBindings>, query: RunPageQuery, scheduleId?: string) {
  const { status, trigger, from, to, limit, cursor } = query
  const after = decodeCursor(cursor, 2)
  const rows = await runs.list(c.var.deps.db, {
    scheduleId,
    status,
    trigger,
    from: from ? new Date(from) : undefined,
    to: to ? new Date(to) : undefined,
    after: after && { fireKey: after[0]!, id: after[1]! },
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.fire_key, row.id])
  return { items: items.map((row) => toRunSummary(row, c.var.deps.temporal)), nextCursor }
}

export const list: RouteHandler<ListRoute, AppBindings> = async (c) => {
  const query = c.req.valid('query')
  return c.json(await runPage(c, query, query.scheduleId), 200)
}

export const listForSchedule: RouteHandler<ListForScheduleRoute, AppBindings> = async (c) => {
  const { id } = c.req.valid('param')
  await requireSchedule(c, id, true)
  return c.json(await runPage(c, c.req.valid('query'), id), 200)
}

export const getOne: RouteHandler<GetOneRoute, AppBindings> = async (c) => {
  const { db } = c.var.deps
  const { runId } = c.req.valid('param')
  const run = await runs.byId(db, runId)
  if (!run) throw notFound(`run ${runId}`)
  const delivered = await deliveries.ofRun(db, runId)
  const urls = await Promise.all(
    run.attachments.map((a) => artifactLink(c, a.artifactId, ATTACHMENT_LINK_TTL_MS)),
  )
  return c.json(
    {
      ...toRunSummary(run, c.var.deps.temporal),
      condition: { send: run.condition_send, reason: run.reason },
      fingerprint: run.fingerprint,
      error: run.error,
      steps: run.steps,
      attachments: run.attachments.map((a, i) => ({ ...a, url: urls[i] ?? null })),
      deliveries: delivered.map((d) => ({
        recipient: d.recipient,
        channel: d.channel,
        status: d.status,
        messageId: d.message_id,
        smtpReply: d.smtp_reply,
        attempts: d.attempts,
        updatedAt: d.updated_at.toISOString(),
      })),
    },
    200,
  )
}

export const stats: RouteHandler<StatsRoute, AppBindings> = async (c) => {
  const { id } = c.req.valid('param')
  const { windowDays } = c.req.valid('query')
  await requireSchedule(c, id, true)
  const s = await runs.stats(c.var.deps.db, id, windowDays)
  const attempted = s.sent + s.partial + s.failed
  return c.json(
    {
      scheduleId: id,
      windowDays,
      runs: s.runs,
      sent: s.sent,
      partial: s.partial,
      skipped: s.skipped,
      failed: s.failed,
      missed: s.missed,
      successRate: attempted === 0 ? null : s.sent / attempted,
      averageDurationMs: s.average_duration_ms === null ? null : Math.round(s.average_duration_ms),
    },
    200,
  )
}
