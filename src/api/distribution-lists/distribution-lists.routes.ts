import { createRoute, z } from '@hono/zod-openapi'
import { emailAddress } from '../../domain/schedule.js'
import { nextCursorSchema, pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Distribution lists']
const json = <T>(schema: T) => ({ 'application/json': { schema } })
const bodyProblems = () => problemResponses(400, 413, 415, 422)
const noLineBreaks = /^[^\r\n]*$/

const listName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(noLineBreaks, { message: 'name must not contain line breaks' })
const description = z.string().max(2000)

export const listIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'dl_k3v9x2m4q7p8hz5t' }),
})

export const distributionListSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    memberCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('DistributionList')

export const memberSchema = z
  .object({ email: z.string(), name: z.string().nullable(), createdAt: z.string() })
  .openapi('DistributionListMember')

export const list = createRoute({
  method: 'get',
  path: '/distribution-lists',
  tags,
  ...requiresScope('read'),
  summary: 'Distribution lists by name',
  request: { query: pageQuerySchema },
  responses: {
    200: {
      description: 'One page',
      content: json(
        z
          .object({ items: z.array(distributionListSchema), nextCursor: nextCursorSchema })
          .openapi('DistributionListPage'),
      ),
    },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export const create = createRoute({
  method: 'post',
  path: '/distribution-lists',
  tags,
  ...requiresScope('write'),
  summary: 'Create a distribution list (names are unique)',
  request: {
    body: {
      content: json(
        z.object({ name: listName, description: description.optional() }).openapi('NewDistributionList'),
      ),
      required: true,
    },
  },
  responses: {
    201: { description: 'Created', content: json(distributionListSchema) },
    ...bodyProblems(),
    ...problemResponses(409),
    ...protectedProblems(),
  },
})

export const getOne = createRoute({
  method: 'get',
  path: '/distribution-lists/{id}',
  tags,
  ...requiresScope('read'),
  summary: 'One distribution list',
  request: { params: listIdParams },
  responses: {
    200: { description: 'The list', content: json(distributionListSchema) },
    ...problemResponses(404),
    ...protectedProblems(),
  },
})

export const patch = createRoute({
  method: 'patch',
  path: '/distribution-lists/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Rename or describe a distribution list',
  request: {
    params: listIdParams,
    body: {
      content: json(
        z
          .object({ name: listName.optional(), description: description.nullable().optional() })
          .openapi('DistributionListChange'),
      ),
      required: true,
    },
  },
  responses: {
    200: { description: 'Updated', content: json(distributionListSchema) },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const remove = createRoute({
  method: 'delete',
  path: '/distribution-lists/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Delete a distribution list that no schedule uses',
  request: { params: listIdParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(404, 409), ...protectedProblems() },
})

export const listMembers = createRoute({
  method: 'get',
  path: '/distribution-lists/{id}/members',
  tags,
  ...requiresScope('read'),
  summary: 'Members of a list, by email',
  request: { params: listIdParams, query: pageQuerySchema },
  responses: {
    200: {
      description: 'One page',
      content: json(
        z
          .object({ items: z.array(memberSchema), nextCursor: nextCursorSchema })
          .openapi('DistributionListMemberPage'),
      ),
    },
    ...problemResponses(404, 422),
    ...protectedProblems(),
  },
})

export const addMember = createRoute({
  method: 'post',
  path: '/distribution-lists/{id}/members',
  tags,
  ...requiresScope('write'),
  summary: 'Add a member (adding an existing member updates its name)',
  request: {
    params: listIdParams,
    body: {
      content: json(
        z
          .object({
            email: emailAddress,
            name: z
              .string()
              .max(200)
              .regex(noLineBreaks, { message: 'name must not contain line breaks' })
              .optional(),
          })
          .openapi('NewDistributionListMember'),
      ),
      required: true,
    },
  },
  responses: {
    201: { description: 'Added', content: json(memberSchema) },
    200: { description: 'Already a member; name updated', content: json(memberSchema) },
    ...bodyProblems(),
    ...problemResponses(404),
    ...protectedProblems(),
  },
})

export const removeMember = createRoute({
  method: 'delete',
  path: '/distribution-lists/{id}/members/{email}',
  tags,
  ...requiresScope('write'),
  summary: 'Remove a member',
  request: {
    params: listIdParams.extend({
      email: z
        .string()
        .min(3)
        .max(254)
        .openapi({ param: { name: 'email', in: 'path' } }),
    }),
  },
  responses: { 204: { description: 'Removed' }, ...problemResponses(404), ...protectedProblems() },
})

export type ListRoute = typeof list
export type CreateRoute = typeof create
export type GetOneRoute = typeof getOne
export type PatchRoute = typeof patch
export type RemoveRoute = typeof remove
export type ListMembersRoute = typeof listMembers
export type AddMemberRoute = typeof addMember
export type RemoveMemberRoute = typeof removeMember
