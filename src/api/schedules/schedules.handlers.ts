import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client'
import * as auditLog from '../../db/audit-log.js'
import type { ScheduleListRow, ScheduleRow } from '../../db/schedules.js'
import * as schedules from '../../db/schedules.js'
import { type ScheduleSpec, scheduleSpecSchema } from '../../domain/schedule.js'
import { scheduleDetails, scheduleSummary } from '../../domain/schedule-description.js'
import { scheduleStateSchema } from '../../domain/schedule-state.js'
import {
  dataReadySignal,
  pauseUpdate,
  reportSchedule,
  resumeUpdate,
  skipNextUpdate,
  stateQuery,
  triggerUpdate,
  updateScheduleUpdate,
} from '../../workflows/index.js'
import { scheduleSearchAttributes } from '../../workflows/search-attributes.js'
import { artifactLink } from '../artifacts/artifact-links.js'
import type { AppBindings, TemporalDeps } from '../deps.js'
import { classifyError } from '../error-mapping.js'
import { newId } from '../ids.js'
import { decodeCursor, page } from '../pagination.js'
import { fieldErrors, notFound, ProblemError, validationFailed } from '../problems.js'
import { scheduleHandle, scheduleWorkflowId, temporalUiUrl, withTemporalDeadline } from '../temporal-calls.js'
import { assertSensibleCron } from './cron-guard.js'
import { assertKnownDestinations } from './destination-guard.js'
import { mergePatch } from './merge-patch.js'
import { runPreview } from './preview.js'
import { requireSchedule } from './require-schedule.js'
import { sameSpec } from './same-spec.js'
import type * as routes from './schedules.routes.js'

type Handler<R extends RouteConfig> = RouteHandler<R, AppBindings>

const PREVIEW_LINK_TTL_MS = 60 * 60_000

/** The fields every representation of a schedule shares. */
function scheduleFields(row: Omit<ScheduleRow, 'spec'>, temporal: TemporalDeps) {
  const workflowId = scheduleWorkflowId(row.id)
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    workflowId,
    temporalUiUrl: temporalUiUrl(temporal, workflowId),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

function toSchedule(row: ScheduleRow, temporal: TemporalDeps) {
  return { ...scheduleFields(row, temporal), spec: row.spec }
}

function toListItem(row: ScheduleListRow, temporal: TemporalDeps) {
  const item = {
    ...scheduleFields(row, temporal),
    cron: row.cron,
    timezone: row.timezone,
    nextFireTime: row.next_fire_time,
  }
  return row.spec ? { ...item, spec: row.spec } : item
}

async function startScheduleWorkflow(
  temporal: TemporalDeps,
  scheduleId: string,
  spec: ScheduleSpec,
): Promise<void> {
  const indexed = (await temporal.searchAttributesRegistered?.().catch(() => false)) ?? false
  try {
    await withTemporalDeadline(temporal, () =>
      temporal.client.workflow.start(reportSchedule, {
        workflowId: scheduleWorkflowId(scheduleId),
        taskQueue: temporal.taskQueue,
        args: [{ scheduleId, spec }],
        // A schedule id is never reused, so a retried create can never start a second workflow.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: scheduleSummary(spec),
        staticDetails: scheduleDetails(spec),
        ...(indexed ? { typedSearchAttributes: scheduleSearchAttributes(scheduleId, spec, 'active') } : {}),
      }),
    )
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return
    throw err
  }
}

export const create: Handler<typeof routes.create> = async (c) => {
  const { db, temporal } = c.var.deps
  const spec = c.req.valid('json')
  const idempotencyKey = c.req.valid('header')['idempotency-key']
  const actor = c.get('actor')
  assertSensibleCron(spec, c.var.deps.config)
  await assertKnownDestinations(db, spec)

  const replay = async (existing: ScheduleRow) => {
    if (!sameSpec(existing.spec, spec)) {
      throw new ProblemError(
        'idempotencyConflict',
        `Idempotency-Key was already used for schedule ${existing.id} with a different body`,
      )
    }
    // The first attempt may have stored the row but failed to start the workflow.
    if (existing.status !== 'deleted') await startScheduleWorkflow(temporal, existing.id, existing.spec)
    return c.json(toSchedule(existing, temporal), 200)
  }

  if (idempotencyKey) {
    const existing = await schedules.byIdempotencyKey(db, idempotencyKey)
    if (existing) return replay(existing)
  }
  const id = newId('sch')
  const row = await schedules.insert(db, { id, spec, idempotencyKey, createdBy: actor })
  if (!row) {
    // A concurrent request with the same key won the insert.
    const winner = await schedules.byIdempotencyKey(db, idempotencyKey!)
    if (!winner) throw new Error('idempotency key conflict without a stored schedule')
    return replay(winner)
  }
  try {
    await startScheduleWorkflow(temporal, id, spec)
  } catch (err) {
    // Without a key nobody can retry this create, so do not leave a schedule without a workflow behind.
    if (!idempotencyKey) await schedules.remove(db, id).catch(() => {})
    throw err
  }
  await auditLog.record(db, { actor, action: 'schedule.create', scheduleId: id, detail: { name: spec.name } })
  return c.json(toSchedule(row, temporal), 201)
}

export const list: Handler<typeof routes.list> = async (c) => {
  const { db, temporal } = c.var.deps
  const { status, q, limit, cursor, view } = c.req.valid('query')
  const after = decodeCursor(cursor, 2)
  const rows = await schedules.list(db, {
    status,
    q,
    limit: limit + 1,
    after: after && { createdKey: after[0]!, id: after[1]! },
    full: view === 'full',
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.created_key, row.id])
  return c.json({ items: items.map((row) => toListItem(row, temporal)), nextCursor }, 200)
}

export const getOne: Handler<typeof routes.getOne> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const row = await schedules.detailById(db, id)
  if (!row) throw notFound(`schedule ${id}`)
  const schedule = toSchedule(row, temporal)
  if (row.status === 'deleted')
    return c.json({ ...schedule, live: null, liveError: 'the schedule was deleted' }, 200)
  // The workflow publishes its state on every change; asking it directly costs a Temporal round trip per request.
  // Snapshots of older workflow code lack newer fields: parsing fills their defaults.
  const snapshot = row.live_state ? scheduleStateSchema.safeParse(row.live_state) : undefined
  if (snapshot?.success && row.live_state_at && c.req.valid('query').fresh !== 'true') {
    const liveAsOf = row.live_state_at.toISOString()
    return c.json({ ...schedule, live: snapshot.data, liveSource: 'snapshot' as const, liveAsOf }, 200)
  }
  try {
    const live = await withTemporalDeadline(temporal, () => scheduleHandle(temporal, id).query(stateQuery))
    return c.json(
      { ...schedule, live, liveSource: 'query' as const, liveAsOf: new Date().toISOString() },
      200,
    )
  } catch (err) {
    // The definition is still worth returning when the worker is down or Temporal is unreachable.
    const liveError = classifyError(err)?.detail ?? 'the schedule workflow could not be queried'
    c.var.logger.warn({ scheduleId: id, err: { message: (err as Error).message } }, 'live state unavailable')
    return c.json({ ...schedule, live: null, liveError }, 200)
  }
}

export const patch: Handler<typeof routes.patch> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const row = await requireSchedule(c, id)
  const merged = scheduleSpecSchema.safeParse(mergePatch(row.spec, c.req.valid('json')))
  if (!merged.success) throw validationFailed(fieldErrors(merged.error.issues))
  // A schedule accepted under an older or looser rule stays editable as long as its timing is left alone.
  if (merged.data.cron !== row.spec.cron || merged.data.timezone !== row.spec.timezone) {
    assertSensibleCron(merged.data, c.var.deps.config)
  }
  await assertKnownDestinations(db, merged.data)
  // The workflow validates again and decides; it writes the row and answers with the definition in force.
  const applied = await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(updateScheduleUpdate, { args: [merged.data] }),
  )
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'schedule.update',
    scheduleId: id,
    detail: { patch: c.req.valid('json') },
  })
  const updated = (await schedules.byId(db, id)) ?? row
  return c.json(toSchedule({ ...updated, spec: applied, name: applied.name }, temporal), 200)
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  await requireSchedule(c, id)
  try {
    await withTemporalDeadline(temporal, () => scheduleHandle(temporal, id).cancel())
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err
  }
  await schedules.markDeleted(db, id)
  await auditLog.record(db, { actor: c.get('actor'), action: 'schedule.delete', scheduleId: id })
  return c.body(null, 204)
}

export const pause: Handler<typeof routes.pause> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const { note } = c.req.valid('json')
  await requireSchedule(c, id)
  const by = c.get('actor')
  const state = await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(pauseUpdate, { args: [{ note, by }] }),
  )
  await auditLog.record(db, {
    actor: by,
    action: 'schedule.pause',
    scheduleId: id,
    detail: note ? { note } : {},
  })
  return c.json({ id, status: state.status }, 200)
}

export const resume: Handler<typeof routes.resume> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  await requireSchedule(c, id)
  const by = c.get('actor')
  const state = await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(resumeUpdate, { args: [{ by }] }),
  )
  await auditLog.record(db, { actor: by, action: 'schedule.resume', scheduleId: id })
  return c.json({ id, status: state.status }, 200)
}

export const trigger: Handler<typeof routes.trigger> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const { reason } = c.req.valid('json')
  await requireSchedule(c, id)
  const by = c.get('actor')
  const { runId } = await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(triggerUpdate, { args: [{ by, reason }] }),
  )
  await auditLog.record(db, {
    actor: by,
    action: 'schedule.trigger',
    scheduleId: id,
    detail: { runId, reason },
  })
  return c.json({ runId }, 202)
}

export const skipNext: Handler<typeof routes.skipNext> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  await requireSchedule(c, id)
  const by = c.get('actor')
  await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(skipNextUpdate, { args: [{ by }] }),
  )
  await auditLog.record(db, { actor: by, action: 'schedule.skipNext', scheduleId: id })
  return c.json({ id, accepted: true as const }, 202)
}

export const dataReady: Handler<typeof routes.dataReady> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const notice = c.req.valid('json')
  await requireSchedule(c, id)
  await withTemporalDeadline(temporal, () => scheduleHandle(temporal, id).signal(dataReadySignal, notice))
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'schedule.dataReady',
    scheduleId: id,
    detail: notice,
  })
  return c.json({ id, accepted: true as const }, 202)
}

export const preview: Handler<typeof routes.preview> = async (c) => {
  const { id } = c.req.valid('param')
  const row = await requireSchedule(c, id)
  const result = await runPreview(c.var.deps, row)
  const urls = await Promise.all(
    result.attachments.map((a) => artifactLink(c, a.artifactId, PREVIEW_LINK_TTL_MS)),
  )
  return c.json(
    {
      rowCount: result.rowCount,
      columns: result.columns,
      condition: result.condition,
      attachments: result.attachments.map((a, i) => ({
        artifactId: a.artifactId,
        format: a.format,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        url: urls[i] ?? null,
      })),
    },
    200,
  )
}
