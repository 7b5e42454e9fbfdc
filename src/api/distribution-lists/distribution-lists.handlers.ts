import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import * as auditLog from '../../db/audit-log.js'
import type { AppBindings } from '../deps.js'
import { newId } from '../ids.js'
import { notFound, ProblemError } from '../problems.js'
import * as store from './distribution-list-store.js'
import type * as routes from './distribution-lists.routes.js'

type Handler<R extends RouteConfig> = RouteHandler<R, AppBindings>

function toList(row: store.ListRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    memberCount: row.member_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

const toMember = (row: store.MemberRow) => ({
  email: row.email,
  name: row.name,
  createdAt: row.created_at.toISOString(),
})

const nameTaken = (name: string) =>
  new ProblemError('conflict', `a distribution list named "${name}" already exists`)

async function requireList(c: Context<AppBindings>, id: string) {
  const row = await store.findList(c.var.deps.db, id)
  if (!row) throw notFound(`distribution list ${id}`)
  return row
}

export const list: Handler<typeof routes.list> = async (c) => {
  const { items, nextCursor } = await store.listLists(c.var.deps.db, c.req.valid('query'))
  return c.json({ items: items.map(toList), nextCursor }, 200)
}

export const create: Handler<typeof routes.create> = async (c) => {
  const { db } = c.var.deps
  const body = c.req.valid('json')
  const row = await store.insertList(db, { id: newId('dl'), ...body })
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
  if (change.name !== undefined && (await store.nameTakenByOther(db, change.name, id)))
    throw nameTaken(change.name)
  const row = await store.updateList(db, id, change)
  if (!row) throw notFound(`distribution list ${id}`)
  await auditLog.record(db, { actor: c.get('actor'), action: 'list.update', detail: { id, ...change } })
  return c.json(toList(row), 200)
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { db } = c.var.deps
  const row = await requireList(c, c.req.valid('param').id)
  const users = await store.schedulesUsingList(db, row)
  if (users.length > 0) {
    throw new ProblemError(
      'conflict',
      `distribution list "${row.name}" is used by schedules ${users.join(', ')}`,
    )
  }
  await store.deleteList(db, row.id)
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
  const { items, nextCursor } = await store.listMembers(c.var.deps.db, id, c.req.valid('query'))
  return c.json({ items: items.map(toMember), nextCursor }, 200)
}

export const addMember: Handler<typeof routes.addMember> = async (c) => {
  const { db } = c.var.deps
  const { id } = c.req.valid('param')
  await requireList(c, id)
  const row = await store.upsertMember(db, id, c.req.valid('json'))
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
  if (!(await store.removeMember(db, id, email))) throw notFound(`member ${email} of distribution list ${id}`)
  await auditLog.record(db, { actor: c.get('actor'), action: 'list.removeMember', detail: { id, email } })
  return c.body(null, 204)
}
