import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import * as auditLog from '../../db/audit-log.js'
import * as destinations from '../../db/destinations.js'
import * as schedules from '../../db/schedules.js'
import { newDestinationSchema } from '../../domain/destination.js'
import type { AppBindings } from '../deps.js'
import { newId } from '../ids.js'
import { decodeCursor, page } from '../pagination.js'
import { fieldErrors, notFound, ProblemError, validationFailed } from '../problems.js'
import { sendDestinationTest } from './destination-check.js'
import { destinationRecord } from './destination-record.js'
import type * as routes from './destinations.routes.js'

type Handler<R extends RouteConfig> = RouteHandler<R, AppBindings>

function toDestination(row: destinations.DestinationRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    target: row.target,
    channel: row.channel,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

/** A signing secret Herald generated is in the one response that created it, never again. */
const shownOnce = (signingSecret: string | undefined) => (signingSecret ? { signingSecret } : {})

const nameTaken = (name: string) =>
  new ProblemError('conflict', `a destination named "${name}" already exists`)

async function requireDestination(c: Context<AppBindings>, id: string) {
  const row = await destinations.byId(c.var.deps.db, id)
  if (!row) throw notFound(`destination ${id}`)
  return row
}

export const list: Handler<typeof routes.list> = async (c) => {
  const { limit, cursor } = c.req.valid('query')
  const after = decodeCursor(cursor, 2)
  const rows = await destinations.list(c.var.deps.db, {
    after: after && { name: after[0]!, id: after[1]! },
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.name, row.id])
  return c.json({ items: items.map(toDestination), nextCursor }, 200)
}

export const create: Handler<typeof routes.create> = async (c) => {
  const { db, config } = c.var.deps
  const id = newId('dst')
  const { generatedSigningSecret, ...record } = await destinationRecord(config, id, c.req.valid('json'))
  const row = await destinations.insert(db, { id, ...record, createdBy: c.get('actor') })
  if (!row) throw nameTaken(record.name)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'destination.create',
    detail: { id, name: row.name, kind: row.kind, target: row.target },
  })
  return c.json({ ...toDestination(row), ...shownOnce(generatedSigningSecret) }, 201)
}

export const getOne: Handler<typeof routes.getOne> = async (c) =>
  c.json(toDestination(await requireDestination(c, c.req.valid('param').id)), 200)

export const patch: Handler<typeof routes.patch> = async (c) => {
  const { db, config } = c.var.deps
  const { id } = c.req.valid('param')
  const { name, ...credentials } = c.req.valid('json')
  const row = await requireDestination(c, id)
  if (name !== undefined && (await destinations.nameTakenByOther(db, name, id))) throw nameTaken(name)
  let change: Parameters<typeof destinations.update>[2] = { name }
  let generated: string | undefined
  if (Object.values(credentials).some((v) => v !== undefined)) {
    // New credentials replace the old as a whole: validated as a new destination of the same kind.
    const parsed = newDestinationSchema.safeParse({ kind: row.kind, name: name ?? row.name, ...credentials })
    if (!parsed.success) throw validationFailed(fieldErrors(parsed.error.issues))
    const { channel, target, secrets, generatedSigningSecret } = await destinationRecord(
      config,
      id,
      parsed.data,
    )
    change = { name, channel, target, secrets }
    generated = generatedSigningSecret
  }
  const updated = await destinations.update(db, id, change)
  if (!updated) throw notFound(`destination ${id}`)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'destination.update',
    detail: {
      id,
      name: updated.name,
      target: updated.target,
      credentialsReplaced: change.secrets !== undefined,
    },
  })
  return c.json({ ...toDestination(updated), ...shownOnce(generated) }, 200)
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { db } = c.var.deps
  const row = await requireDestination(c, c.req.valid('param').id)
  const users = await schedules.usingDestination(db, row.id)
  if (users.length > 0) {
    throw new ProblemError('conflict', `destination "${row.name}" is used by schedules ${users.join(', ')}`)
  }
  await destinations.remove(db, row.id)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'destination.delete',
    detail: { id: row.id, name: row.name },
  })
  return c.body(null, 204)
}

export const sendTest: Handler<typeof routes.sendTest> = async (c) => {
  const { id } = c.req.valid('param')
  const row = await requireDestination(c, id)
  const result = await sendDestinationTest(c.var.deps.temporal, id)
  if (!result.ok) {
    throw new ProblemError(
      'destinationUnavailable',
      `${row.kind} destination "${row.name}": ${result.error}`.slice(0, 1000),
    )
  }
  await auditLog.record(c.var.deps.db, {
    actor: c.get('actor'),
    action: 'destination.test',
    detail: { id, reply: result.reply },
  })
  return c.json({ destinationId: id, reply: result.reply }, 200)
}
