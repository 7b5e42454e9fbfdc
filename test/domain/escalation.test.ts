import { describe, expect, it } from 'vitest'
import {
  acknowledgeProblem,
  applyRun,
  type EscalationPolicy,
  type EscalationState,
  escalationPolicySchema,
  escalationVerdict,
  initialEscalation,
} from '../../src/domain/escalation.js'
import type { RunStatus } from '../../src/domain/run.js'

const policy = (countConditionAlerts = false): EscalationPolicy =>
  escalationPolicySchema.parse({
    countConditionAlerts,
    steps: [
      { afterConsecutive: 2, notify: { to: ['oncall@example.com'] } },
      { afterConsecutive: 4, notify: { lists: ['managers'] } },
    ],
  })

describe('escalationVerdict', () => {
  const cases: [string, boolean, string, RunStatus, boolean | undefined, string][] = [
    ['a failed run counts', false, 'always', 'failed', undefined, 'counts'],
    ['a sent run is healthy', false, 'always', 'sent', undefined, 'healthy'],
    ['a partial run leaves the count alone', false, 'always', 'partial', undefined, 'neutral'],
    ['a skipped tick leaves the count alone', false, 'always', 'skipped', undefined, 'neutral'],
    ['a missed tick leaves the count alone', false, 'always', 'missed', undefined, 'neutral'],
    ['an alert is healthy unless alerts count', false, 'metric', 'sent', undefined, 'healthy'],
    ['an alert counts when alerts count', true, 'metric', 'sent', undefined, 'counts'],
    ['a partial alert counts when alerts count', true, 'rowCount', 'partial', undefined, 'counts'],
    ['condition not met is healthy when alerts count', true, 'metric', 'skipped', false, 'healthy'],
    [
      'within the grace period (still true) leaves the count alone',
      true,
      'metric',
      'skipped',
      true,
      'neutral',
    ],
    [
      'condition not met leaves the count alone when alerts do not count',
      false,
      'metric',
      'skipped',
      false,
      'neutral',
    ],
    [
      'an always-schedule sending is healthy even when alerts count',
      true,
      'always',
      'sent',
      undefined,
      'healthy',
    ],
  ]
  it.each(cases)('%s', (_, alerts, conditionType, status, conditionHeld, verdict) => {
    expect(escalationVerdict(policy(alerts), conditionType, { status, conditionHeld })).toBe(verdict)
  })
})

describe('applyRun', () => {
  const run = (n: number) => ({ runId: `run/s/${n}`, fireTime: `2030-01-0${n}T00:00:00.000Z` })

  it('notifies step 1 at 2 and step 2 at 4 consecutive counted runs, each once, and a healthy run resets', () => {
    const state: EscalationState = initialEscalation()
    const p = policy()
    const due = [1, 2, 3, 4, 5].map((n) => applyRun(state, p, 'counts', run(n), `t${n}`))
    expect(due).toEqual([[], [0], [], [1], []])
    expect(state.episode).toMatchObject({ id: 'run/s/1', openedAt: 't1' })
    expect(state.episode!.steps.map((s) => [s.step, s.runId, s.status])).toEqual([
      [0, 'run/s/2', 'notifying'],
      [1, 'run/s/4', 'notifying'],
    ])
    expect(applyRun(state, p, 'neutral', run(6), 't6')).toEqual([])
    expect(state.consecutive).toBe(5)
    applyRun(state, p, 'healthy', run(7), 't7')
    expect(state).toEqual({ consecutive: 0, lastClosed: { id: 'run/s/1', at: 't7', runId: 'run/s/7' } })
    // A new episode starts from scratch.
    expect(applyRun(state, p, 'counts', run(8), 't8')).toEqual([])
    expect(applyRun(state, p, 'counts', run(9), 't9')).toEqual([0])
    expect(state.episode!.id).toBe('run/s/8')
  })

  it('a policy whose first step is due at once notifies on the first counted run', () => {
    const state = initialEscalation()
    const p = escalationPolicySchema.parse({
      steps: [{ afterConsecutive: 1, notify: { to: ['a@example.com'] } }],
    })
    expect(applyRun(state, p, 'counts', run(1), 't1')).toEqual([0])
  })

  it('after an acknowledgement no further step of the episode is due', () => {
    const state = initialEscalation()
    const p = policy()
    applyRun(state, p, 'counts', run(1), 't1')
    applyRun(state, p, 'counts', run(2), 't2')
    expect(acknowledgeProblem(state)).toBeUndefined()
    state.episode!.acknowledged = { at: 't2', by: 'alice' }
    expect(applyRun(state, p, 'counts', run(3), 't3')).toEqual([])
    expect(applyRun(state, p, 'counts', run(4), 't4')).toEqual([])
    expect(state.consecutive).toBe(4)
  })

  it('refuses an acknowledgement without an open episode', () => {
    expect(acknowledgeProblem(undefined)).toMatch(/no escalation episode is open/)
    expect(acknowledgeProblem(initialEscalation())).toMatch(/no escalation episode is open/)
  })
})

describe('escalationPolicySchema', () => {
  it.each([
    [{ steps: [] }, 'steps'],
    [{ steps: [{ afterConsecutive: 0, notify: { to: ['a@example.com'] } }] }, 'steps.0.afterConsecutive'],
    [{ steps: [{ afterConsecutive: 2, notify: {} }] }, 'steps.0.notify'],
    [{ steps: [{ afterConsecutive: 2, notify: { to: ['not an address'] } }] }, 'steps.0.notify.to.0'],
    [
      {
        steps: [
          { afterConsecutive: 3, notify: { to: ['a@example.com'] } },
          { afterConsecutive: 3, notify: { to: ['b@example.com'] } },
        ],
      },
      'steps',
    ],
  ])('rejects %j at %s', (input, path) => {
    const parsed = escalationPolicySchema.safeParse(input)
    expect(parsed.success).toBe(false)
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path)
  })
})
