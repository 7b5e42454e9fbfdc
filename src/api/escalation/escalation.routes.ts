import { createRoute, z } from '@hono/zod-openapi'
import { acknowledgeRequestSchema, escalationStateSchema } from '../../domain/escalation.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { named, scheduleIdParams } from '../schedules/schedules.schemas.js'
import { requiresScope } from '../scopes.js'

const json = <T>(schema: T) => ({ 'application/json': { schema } })

// The caller's identity (`by`) comes from its API key, never from the body.
export const acknowledgeBody = named(
  acknowledgeRequestSchema.omit({ by: true }),
  'EscalationAcknowledgeRequest',
)

export const acknowledgedSchema = z
  .object({ id: z.string(), escalation: named(escalationStateSchema, 'EscalationState') })
  .openapi('EscalationAcknowledged')

export const acknowledge = createRoute({
  method: 'post',
  path: '/schedules/{id}/escalation/acknowledge',
  tags: ['Schedules'],
  ...requiresScope('write'),
  summary: "Acknowledge the schedule's open escalation episode: its further steps are not notified",
  description:
    'Stops the steps of the current episode that have not been notified yet; a step being notified still completes. A healthy run closes the episode and the next counted run opens a new one. 409 when no episode is open.',
  request: { params: scheduleIdParams, body: { content: json(acknowledgeBody), required: false } },
  responses: {
    200: { description: 'Acknowledged', content: json(acknowledgedSchema) },
    ...problemResponses(400, 413, 415, 422),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})
