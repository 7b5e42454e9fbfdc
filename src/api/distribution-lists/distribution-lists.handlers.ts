import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import * as auditLog from '../../db/audit-log.js'
import * as distributionLists from '../../db/distribution-lists.js'
import * as schedules from '../../db/schedules.js'
import type { AppBindings } from '../deps.js'
import { newId } from '../ids.js'
import { decodeCursor, page } from '../pagination.js'
import { notFound, ProblemError } from '../problems.js'
import type * as routes from './distribution-lists.routes.js'

type Handler<R extends RouteConfig> = RouteHandler<R, AppBindings>

function toList(row: distributionLists.ListRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    memberCount: row.member_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

const toMember = (row: distributionLists.MemberRow) => ({
  email: row.email,
  name: row.name,
  createdAt: row.created_at.toISOString(),
})

const nameTaken = (name: string) =>
  new ProblemError('conflict', `a distribution list named "${name}" already exists`)

async function requireList(c: Context<AppBindings>, id: string) {
  const row = await distributionLists.byId(c.var.deps.db, id)
  if (!row) throw notFound(`distribution list ${id}`)
  return row
}

export const list: Handler<typeof routes.list> = async (c) => {
  const { limit, cursor } = c.req.valid('query')
  const after = decodeCursor(cursor, 2)
  const rows = await distributionLists.list(c.var.deps.db, {
    after: after && { name: after[0]!, id: after[1]! },
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.name, row.id])
  return c.json({ items: items.map(toList), nextCursor }, 200)
}

export const create: Handler<typeof routes.create> = async (c) => {
  const { db } = c.var.deps
  const body = c.req.valid('json')
  const row = await distributionLists.insert(db, { id: newId('dl'), ...body })
  if (!row) throw nameTaken(body.name)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'list.create',
    detail: { id: row.id, name: row.name },
  })
  return c.json(toList(row), 201)
}

export const getOne: Handler<typeof routes.getOne> = async (c) =>
  c.json(toList(await requireList(c, c.req.valid('param').id)), 200)

export const patch: Handler<typeof routes.patch> = async (c) => {
  const { db } = c.var.deps
  const { id } = c.req.valid('param')
  const change = c.req.valid('json')
  await requireList(c, id)
  if (change.name !== undefined && (await distributionLists.nameTakenByOther(db, change.name, id)))
    throw nameTaken(change.name)
  const row = await distributionLists.update(db, id, change)
  if (!row) throw notFound(`distribution list ${id}`)
  await auditLog.record(db, { actor: c.get('actor'), action: 'list.update', detail: { id, ...change } })
  return c.json(toList(row), 200)
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { db } = c.var.deps
  const row = await requireList(c, c.req.valid('param').id)
  const users = await schedules.usingList(db, row)
  if (users.length > 0) {
    throw new ProblemError(
      'conflict',
      `distribution list "${row.name}" is used by schedules ${users.join(', ')}`,
    )
  }
  await distributionLists.remove(db, row.id)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'list.delete',
    detail: { id: row.id, name: row.name },
  })
  return c.body(null, 204)
}

export const listMembers: Handler<typeof routes.listMembers> = async (c) => {
  const { id } = c.req.valid('param')
  await requireList(c, id)
  const { limit, cursor } = c.req.valid('query')
  const after = decodeCursor(cursor, 1)
  const rows = await distributionLists.members(c.var.deps.db, id, {
    afterEmail: after?.[0],
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.email])
  return c.json({ items: items.map(toMember), nextCursor }, 200)
}

export const addMember: Handler<typeof routes.addMember> = async (c) => {
  const { db } = c.var.deps
  const { id } = c.req.valid('param')
  await requireList(c, id)
  const row = await distributionLists.upsertMember(db, id, c.req.valid('json'))
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'list.addMember',
    detail: { id, email: row.email },
  })
  return row.inserted ? c.json(toMember(row), 201) : c.json(toMember(row), 200)
}

export const removeMember: Handler<typeof routes.removeMember> = async (c) => {
  const { db } = c.var.deps
  const { id, email } = c.req.valid('param')
  await requireList(c, id)
  if (!(await distributionLists.removeMember(db, id, email)))
    throw notFound(`member ${email} of distribution list ${id}`)
  await auditLog.record(db, { actor: c.get('actor'), action: 'list.removeMember', detail: { id, email } })
  return c.body(null, 204)
}
