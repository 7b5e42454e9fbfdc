import { z } from 'zod'
import { destinationIdSchema } from './destination.js'
import { emailAddress } from './email-address.js'
import type { RunStatus } from './run.js'

/**
 * Escalation: who is told, step by step, when a schedule's runs keep failing (docs/SCHEDULING.md, "Escalation").
 * An episode opens with the first counted run after a healthy one; each step is notified once per episode when the
 * number of consecutive counted runs reaches its threshold; a healthy run closes the episode, an acknowledgement
 * stops its further steps. Pure: the schedule workflow carries the state and calls these.
 */

export const escalationStepSchema = z
  .object({
    /** Notified when this many counted runs in a row have ended (1 = the first one). */
    afterConsecutive: z.number().int().min(1).max(1000),
    notify: z
      .object({
        to: z.array(emailAddress).max(100).default([]),
        /** Distribution lists by id or name, expanded when the step is notified. */
        lists: z.array(z.string().min(1).max(100)).max(20).default([]),
      })
      .default({ to: [], lists: [] }),
    /** Slack, Teams and webhook destinations by id, posted once each (a webhook gets `schedule.escalated`). */
    destinations: z
      .array(destinationIdSchema)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'a destination may be named only once' })
      .default([]),
  })
  .refine((s) => s.notify.to.length + s.notify.lists.length + s.destinations.length > 0, {
    message: 'a step needs at least one address, distribution list or destination',
    path: ['notify'],
  })

export const escalationPolicySchema = z.object({
  /** Also count runs that sent because the schedule's condition held (an alert), not only failed runs. */
  countConditionAlerts: z.boolean().default(false),
  steps: z
    .array(escalationStepSchema)
    .min(1)
    .max(10)
    .refine(
      (steps) => steps.every((s, i) => i === 0 || s.afterConsecutive > steps[i - 1]!.afterConsecutive),
      {
        message: 'afterConsecutive must increase from step to step',
      },
    ),
})
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>
export type EscalationStep = z.infer<typeof escalationStepSchema>

/** One step of an open episode: `notifying` while its activity runs, then how it ended. */
export const escalationStepStateSchema = z.object({
  step: z.number().int(),
  afterConsecutive: z.number().int(),
  status: z.enum(['notifying', 'notified', 'failed']),
  /** The run whose end reached the threshold. */
  runId: z.string(),
  detail: z.string().optional(),
})
export type EscalationStepState = z.infer<typeof escalationStepStateSchema>

export const escalationEpisodeSchema = z.object({
  /** The run id of the episode's first counted run: with the schedule id, it names the episode in the ledger. */
  id: z.string(),
  openedAt: z.string(),
  steps: z.array(escalationStepStateSchema),
  acknowledged: z
    .object({ at: z.string(), by: z.string().optional(), note: z.string().optional() })
    .optional(),
})
export type EscalationEpisode = z.infer<typeof escalationEpisodeSchema>

/** Carried across continue-as-new and shown by the state query. */
export const escalationStateSchema = z.object({
  /** Counted runs in a row since the last healthy one. */
  consecutive: z.number().int(),
  episode: escalationEpisodeSchema.optional(),
  /** The last episode closed by a healthy run: its id and when. */
  lastClosed: z.object({ id: z.string(), at: z.string(), runId: z.string() }).optional(),
})
export type EscalationState = z.infer<typeof escalationStateSchema>

export const initialEscalation = (): EscalationState => ({ consecutive: 0 })

/** What a finished run means for escalation. */
export type EscalationVerdict = 'counts' | 'healthy' | 'neutral'

/**
 * `failed` counts; with `countConditionAlerts`, so does a run that sent (sent or partial) because a condition other
 * than `always` held. `sent` is healthy, and so, when alerts count, is a run skipped because its condition was
 * evaluated and did not hold (`conditionHeld: false`). Everything else (partial without an alert, ticks skipped for
 * other reasons such as skip-next, data not ready or the re-notify grace period, missed) leaves the count alone.
 */
export function escalationVerdict(
  policy: EscalationPolicy,
  conditionType: string,
  run: { status: RunStatus; conditionHeld?: boolean },
): EscalationVerdict {
  if (run.status === 'failed') return 'counts'
  const alerting = policy.countConditionAlerts && conditionType !== 'always'
  if (alerting && (run.status === 'sent' || run.status === 'partial')) return 'counts'
  if (run.status === 'sent') return 'healthy'
  if (alerting && run.status === 'skipped' && run.conditionHeld === false) return 'healthy'
  return 'neutral'
}

/**
 * Applies a finished run to the state and returns the steps now due (indexes into `policy.steps`), marked
 * `notifying` in the episode: each step at most once per episode, none after an acknowledgement.
 */
export function applyRun(
  state: EscalationState,
  policy: EscalationPolicy,
  verdict: EscalationVerdict,
  run: { runId: string; fireTime: string },
  now: string,
): number[] {
  if (verdict === 'neutral') return []
  if (verdict === 'healthy') {
    if (state.episode) state.lastClosed = { id: state.episode.id, at: now, runId: run.runId }
    state.consecutive = 0
    state.episode = undefined
    return []
  }
  state.consecutive++
  state.episode ??= { id: run.runId, openedAt: now, steps: [] }
  const episode = state.episode
  if (episode.acknowledged) return []
  const due: number[] = []
  policy.steps.forEach((step, i) => {
    if (step.afterConsecutive > state.consecutive) return
    if (episode.steps.some((s) => s.step === i)) return
    episode.steps.push({
      step: i,
      afterConsecutive: step.afterConsecutive,
      status: 'notifying',
      runId: run.runId,
    })
    due.push(i)
  })
  return due
}

/** Why an acknowledgement is refused, or undefined when there is an open episode to acknowledge. */
export function acknowledgeProblem(state: EscalationState | undefined): string | undefined {
  if (!state?.episode)
    return 'no escalation episode is open: the last run was healthy or none has counted yet'
  return undefined
}

/** The escalation notice's input: the step's recipients and what to tell them. */
export const escalationNoticeSchema = z.object({
  scheduleId: z.string(),
  scheduleName: z.string(),
  timezone: z.string(),
  episodeId: z.string(),
  step: z.number().int(),
  afterConsecutive: z.number().int(),
  consecutive: z.number().int(),
  runId: z.string(),
  fireTime: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  notify: z.object({ to: z.array(z.string()), lists: z.array(z.string()) }),
})
export type EscalationNotice = z.infer<typeof escalationNoticeSchema>

export const acknowledgeRequestSchema = z.object({
  note: z
    .string()
    .max(500)
    .regex(/^[^\r\n]*$/, { message: 'note must not contain line breaks' })
    .optional(),
  by: z.string().max(200).optional(),
})
export type AcknowledgeRequest = z.infer<typeof acknowledgeRequestSchema>
