import { createRoute } from '@hono/zod-openapi'
import { pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'
import {
  acceptedSchema,
  dataReadyBody,
  getScheduleQuery,
  idempotencyHeaders,
  listSchedulesQuery,
  pauseBody,
  previewSchema,
  scheduleDetailSchema,
  scheduleIdParams,
  scheduleListSchema,
  schedulePatchBody,
  scheduleSchema,
  scheduleSpecBody,
  scheduleStatusSchema,
  triggerBody,
  triggerResultSchema,
} from './schedules.schemas.js'

const tags = ['Schedules']
const json = <T>(schema: T) => ({ 'application/json': { schema } })
const bodyProblems = () => problemResponses(400, 413, 415, 422)

export const create = createRoute({
  method: 'post',
  path: '/schedules',
  tags,
  ...requiresScope('write'),
  summary: 'Create a report schedule and start its workflow',
  request: {
    headers: idempotencyHeaders,
    body: { content: json(scheduleSpecBody), required: true },
  },
  responses: {
    201: { description: 'Created', content: json(scheduleSchema) },
    200: {
      description: 'Replay of an earlier request with the same Idempotency-Key',
      content: json(scheduleSchema),
    },
    ...bodyProblems(),
    ...problemResponses(409),
    ...protectedProblems(),
  },
})

export const list = createRoute({
  method: 'get',
  path: '/schedules',
  tags,
  ...requiresScope('read'),
  summary: 'List schedules, newest first',
  request: { query: listSchedulesQuery.extend(pageQuerySchema.shape) },
  responses: {
    200: { description: 'One page', content: json(scheduleListSchema) },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export const getOne = createRoute({
  method: 'get',
  path: '/schedules/{id}',
  tags,
  ...requiresScope('read'),
  summary: 'A schedule with its live state from the workflow',
  request: { params: scheduleIdParams, query: getScheduleQuery },
  responses: {
    200: { description: 'The schedule', content: json(scheduleDetailSchema) },
    ...problemResponses(404),
    ...protectedProblems(),
  },
})

export const patch = createRoute({
  method: 'patch',
  path: '/schedules/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Change a schedule (merge patch); the workflow validates and applies it',
  request: {
    params: scheduleIdParams,
    body: {
      content: {
        'application/json': { schema: schedulePatchBody },
        'application/merge-patch+json': { schema: schedulePatchBody },
      },
      required: true,
    },
  },
  responses: {
    200: { description: 'The updated schedule', content: json(scheduleSchema) },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const remove = createRoute({
  method: 'delete',
  path: '/schedules/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Delete a schedule: cancels its workflow, keeps its run history',
  request: { params: scheduleIdParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(404), ...protectedProblems() },
})

export const pause = createRoute({
  method: 'post',
  path: '/schedules/{id}/pause',
  tags,
  ...requiresScope('write'),
  summary: 'Pause a schedule (ticks are recorded as skipped)',
  request: { params: scheduleIdParams, body: { content: json(pauseBody), required: false } },
  responses: {
    200: { description: 'Paused', content: json(scheduleStatusSchema) },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const resume = createRoute({
  method: 'post',
  path: '/schedules/{id}/resume',
  tags,
  ...requiresScope('write'),
  summary: 'Resume a paused schedule',
  request: { params: scheduleIdParams },
  responses: {
    200: { description: 'Active again', content: json(scheduleStatusSchema) },
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const trigger = createRoute({
  method: 'post',
  path: '/schedules/{id}/trigger',
  tags,
  ...requiresScope('write'),
  summary: 'Run the report now (also while paused)',
  request: { params: scheduleIdParams, body: { content: json(triggerBody), required: false } },
  responses: {
    202: { description: 'Run started', content: json(triggerResultSchema) },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const skipNext = createRoute({
  method: 'post',
  path: '/schedules/{id}/skip-next',
  tags,
  ...requiresScope('write'),
  summary: 'Skip the next scheduled tick',
  request: { params: scheduleIdParams },
  responses: {
    202: { description: 'Accepted', content: json(acceptedSchema) },
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const preview = createRoute({
  method: 'post',
  path: '/schedules/{id}/preview',
  tags,
  ...requiresScope('write'),
  summary: 'Run query, condition and rendering now without sending mail',
  request: { params: scheduleIdParams },
  responses: {
    200: { description: 'What a run would produce', content: json(previewSchema) },
    ...problemResponses(404, 422),
    ...protectedProblems(),
  },
})

export const dataReady = createRoute({
  method: 'post',
  path: '/schedules/{id}/signals/data-ready',
  tags,
  ...requiresScope('write'),
  summary: 'Tell a schedule that a dataset it waits for is complete',
  request: { params: scheduleIdParams, body: { content: json(dataReadyBody), required: true } },
  responses: {
    202: { description: 'Accepted', content: json(acceptedSchema) },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export type CreateRoute = typeof create
export type ListRoute = typeof list
export type GetOneRoute = typeof getOne
export type PatchRoute = typeof patch
export type RemoveRoute = typeof remove
export type PauseRoute = typeof pause
export type ResumeRoute = typeof resume
export type TriggerRoute = typeof trigger
export type SkipNextRoute = typeof skipNext
export type PreviewRoute = typeof preview
export type DataReadyRoute = typeof dataReady
