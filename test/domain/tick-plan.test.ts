import { describe, expect, it } from 'vitest'
import { toZonedIso } from '../../src/domain/cron.js'
import { type ScheduleSpec, scheduleSpecSchema } from '../../src/domain/schedule.js'
import {
  dueTicks,
  MIN_RUN_TIMEOUT_MS,
  MISSED_TICKS_RECORDED_ONE_BY_ONE,
  mergeIntoBuffered,
  overlapDecision,
  pausedTicks,
  rangeRunId,
  reportPeriod,
  runIdFor,
  runTimeoutMs,
  tickDueAt,
} from '../../src/domain/tick-plan.js'

/** Tick planning without Temporal: the decisions the schedule workflow applies. */

const ID = 'sch_plan'
const spec = (over: Partial<Record<keyof ScheduleSpec, unknown>> = {}): ScheduleSpec =>
  scheduleSpecSchema.parse({
    name: 'plan',
    cron: '0 * * * *',
    query: { sql: 'SELECT 1' },
    recipients: { to: ['a@example.com'] },
    ...over,
  })
const at = (iso: string) => Date.parse(iso)
const iso = (d: Date) => d.toISOString()

describe('dueTicks: on time, catch-up, superseded and missed', () => {
  // [case, spec overrides, cursor, now, runs (fire time, trigger), not run (fire time, status)]
  const cases: [
    string,
    Parameters<typeof spec>[0],
    string,
    string,
    [string, string][],
    [string, string][],
  ][] = [
    ['nothing due yet', {}, '2026-12-01T08:00:00Z', '2026-12-01T08:59:59Z', [], []],
    [
      'one tick, on time (within 10 s)',
      {},
      '2026-12-01T08:00:00Z',
      '2026-12-01T09:00:09Z',
      [['2026-12-01T09:00:00.000Z', 'schedule']],
      [],
    ],
    [
      'one tick, late but inside the window: catch-up',
      {},
      '2026-12-01T08:00:00Z',
      '2026-12-01T09:30:00Z',
      [['2026-12-01T09:00:00.000Z', 'catchup']],
      [],
    ],
    [
      'three ticks inside the window, mode latest: the newest runs, the others are superseded',
      { catchup: { windowMinutes: 240, mode: 'latest' } },
      '2026-12-01T08:00:00Z',
      '2026-12-01T11:00:05Z',
      [['2026-12-01T11:00:00.000Z', 'schedule']],
      [
        ['2026-12-01T09:00:00.000Z', 'skipped'],
        ['2026-12-01T10:00:00.000Z', 'skipped'],
      ],
    ],
    [
      'three ticks inside the window, mode all: every one runs',
      { catchup: { windowMinutes: 240, mode: 'all' } },
      '2026-12-01T08:00:00Z',
      '2026-12-01T11:00:05Z',
      [
        ['2026-12-01T09:00:00.000Z', 'catchup'],
        ['2026-12-01T10:00:00.000Z', 'catchup'],
        ['2026-12-01T11:00:00.000Z', 'schedule'],
      ],
      [],
    ],
    [
      'ticks older than the window are missed; the rest catch up',
      { catchup: { windowMinutes: 90, mode: 'all' } },
      '2026-12-01T06:00:00Z',
      '2026-12-01T10:00:00Z',
      [
        ['2026-12-01T09:00:00.000Z', 'catchup'],
        ['2026-12-01T10:00:00.000Z', 'schedule'],
      ],
      [
        ['2026-12-01T07:00:00.000Z', 'missed'],
        ['2026-12-01T08:00:00.000Z', 'missed'],
      ],
    ],
    [
      'window 0 still treats 10 s as on time',
      { catchup: { windowMinutes: 0, mode: 'latest' } },
      '2026-12-01T08:00:00Z',
      '2026-12-01T09:00:11Z',
      [],
      [['2026-12-01T09:00:00.000Z', 'missed']],
    ],
  ]
  it.each(cases)('%s', (_, over, cursor, now, runs, notRun) => {
    const due = dueTicks(ID, spec(over), cursor, at(now))
    expect(due.toRun.map((t) => [iso(t.fireTime), t.trigger])).toEqual(runs)
    expect(due.notRun.map((t) => [t.record.fireTime, t.record.status])).toEqual(notRun)
    expect(due.count).toBe(runs.length + notRun.length)
    const newest = [...runs, ...notRun]
      .map(([t]) => t)
      .sort()
      .at(-1)
    expect(due.cursor).toBe(newest)
  })

  it('records each superseded tick with the tick that replaced it', () => {
    const due = dueTicks(
      ID,
      spec({ catchup: { windowMinutes: 240, mode: 'latest' } }),
      '2026-12-01T08:00:00Z',
      at('2026-12-01T10:00:01Z'),
    )
    expect(due.notRun[0]?.record).toEqual({
      scheduleId: ID,
      runId: runIdFor(ID, new Date('2026-12-01T09:00:00Z')),
      fireTime: '2026-12-01T09:00:00.000Z',
      status: 'skipped',
      reason: 'catch-up: superseded by the tick at 2026-12-01T10:00:00.000Z (mode latest)',
      policy: 'superseded',
    })
    expect(due.notRun[0]?.summary).toMatchObject({ trigger: 'schedule', status: 'skipped' })
    expect(due.toRun[0]?.periodStart).toBeUndefined()
  })

  it("hands the superseded ticks' periods to the newest run when the workflow merges, asking only when it matters", () => {
    const asked: string[] = []
    const merges = (label: string) => () => {
      asked.push(label)
      return true
    }
    const latest = spec({ catchup: { windowMinutes: 240, mode: 'latest' } })
    // One due tick, or mode all: nothing is superseded, so the workflow is not asked (no patch marker).
    dueTicks(ID, latest, '2026-12-01T08:00:00Z', at('2026-12-01T09:00:01Z'), merges('one tick'))
    dueTicks(
      ID,
      spec({ catchup: { windowMinutes: 240, mode: 'all' } }),
      '2026-12-01T08:00:00Z',
      at('2026-12-01T11:00:01Z'),
      merges('all'),
    )
    expect(asked).toEqual([])

    const due = dueTicks(
      ID,
      latest,
      '2026-12-01T08:00:00Z',
      at('2026-12-01T11:00:01Z'),
      merges('three ticks'),
    )
    expect(asked).toEqual(['three ticks'])
    // The 11:00 run reports 08:00–11:00: the periods of 09:00 (08:00–09:00) and 10:00 too.
    expect(due.toRun).toEqual([
      {
        fireTime: new Date('2026-12-01T11:00:00Z'),
        trigger: 'schedule',
        periodStart: new Date('2026-12-01T08:00:00Z'),
      },
    ])
    const newestRun = runIdFor(ID, new Date('2026-12-01T11:00:00Z'))
    expect(due.notRun.map((t) => [t.record.fireTime, t.record.policy, t.record.coveredBy])).toEqual([
      ['2026-12-01T09:00:00.000Z', 'superseded', newestRun],
      ['2026-12-01T10:00:00.000Z', 'superseded', newestRun],
    ])
    expect(due.notRun[0]?.record.reason).toBe(
      "catch-up: superseded by the tick at 2026-12-01T11:00:00.000Z, whose run reports this tick's period too (mode latest)",
    )
    expect(
      reportPeriod(
        latest,
        due.toRun[0]!.fireTime,
        'schedule',
        { sinceLastTick: true },
        due.toRun[0]!.periodStart,
      ),
    ).toEqual({
      start: new Date('2026-12-01T08:00:00Z'),
      end: new Date('2026-12-01T11:00:00Z'),
    })
  })

  it('names the policy of every tick it does not run, and missed ticks are reported by no run', () => {
    const due = dueTicks(
      ID,
      spec({ catchup: { windowMinutes: 90, mode: 'latest' } }),
      '2026-12-01T05:00:00Z',
      at('2026-12-01T10:00:00Z'),
      () => true,
    )
    expect(due.notRun.map((t) => [t.record.fireTime, t.record.policy, t.record.coveredBy])).toEqual([
      ['2026-12-01T06:00:00.000Z', 'missed', undefined],
      ['2026-12-01T07:00:00.000Z', 'missed', undefined],
      ['2026-12-01T08:00:00.000Z', 'missed', undefined],
      ['2026-12-01T09:00:00.000Z', 'superseded', runIdFor(ID, new Date('2026-12-01T10:00:00Z'))],
    ])
    // The 10:00 run covers from 08:00, the start of 09:00's period; 08:00's own period (07:00–08:00) was missed.
    expect(due.toRun[0]?.periodStart).toEqual(new Date('2026-12-01T08:00:00Z'))
  })

  it(`records up to ${MISSED_TICKS_RECORDED_ONE_BY_ONE} missed ticks one by one and the rest as one range that counts them all`, () => {
    // Every minute, down for 3 hours, 60 min window: 119 ticks missed (00:01–01:59), 61 in the window (latest runs).
    const due = dueTicks(ID, spec({ cron: '* * * * *' }), '2026-12-01T00:00:00Z', at('2026-12-01T03:00:00Z'))
    const missed = due.notRun.filter((t) => t.record.status === 'missed')
    const counted = missed.reduce((n, t) => n + 1 + t.alsoMissed, 0)
    expect(counted).toBe(119)
    expect(missed).toHaveLength(MISSED_TICKS_RECORDED_ONE_BY_ONE)
    const range = missed.at(-1)!
    const first = new Date('2026-12-01T00:50:00Z')
    const last = new Date('2026-12-01T01:59:00Z')
    expect(range.record.runId).toBe(rangeRunId(ID, first, last))
    expect(range.record.reason).toMatch(
      /^70 ticks from 2026-12-01T00:50:00.000Z to 2026-12-01T01:59:00.000Z missed: 61 min late/,
    )
    expect(range.summary.reason).toBe('70 ticks missed')
    expect(range.alsoMissed).toBe(69)
    expect(due.toRun).toEqual([{ fireTime: new Date('2026-12-01T03:00:00Z'), trigger: 'schedule' }])
  })

  it('a tick is due only once its jitter has passed, and the jitter is the same on every call', () => {
    const jittered = spec({ jitterSeconds: 600 })
    const tick = new Date('2026-12-01T09:00:00Z')
    const dueAt = tickDueAt(ID, jittered, tick)
    expect(dueAt).toBeGreaterThanOrEqual(tick.getTime())
    expect(dueAt).toBeLessThan(tick.getTime() + 600_000)
    expect(tickDueAt(ID, jittered, tick)).toBe(dueAt)
    expect(dueTicks(ID, jittered, '2026-12-01T08:30:00Z', dueAt - 1).toRun).toEqual([])
    expect(dueTicks(ID, jittered, '2026-12-01T08:30:00Z', dueAt).toRun.map((t) => t.fireTime)).toEqual([tick])
  })

  it('follows the DST policy: across spring forward in Berlin, 02:30 fires once at 03:00 CEST', () => {
    const daily = spec({
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      catchup: { windowMinutes: 10_080, mode: 'all' },
    })
    const due = dueTicks(ID, daily, '2027-03-27T00:00:00Z', at('2027-03-29T12:00:00Z'))
    expect(due.toRun.map((t) => toZonedIso(t.fireTime, 'Europe/Berlin'))).toEqual([
      '2027-03-27T02:30:00+01:00',
      '2027-03-28T03:00:00+02:00',
      '2027-03-29T02:30:00+02:00',
    ])
  })
})

describe('overlapDecision', () => {
  const cases: [ScheduleSpec['overlap'], string[], boolean, ReturnType<typeof overlapDecision>][] = [
    ['skip', [], false, { action: 'run' }],
    ['bufferOne', [], true, { action: 'run' }],
    ['allow', ['run/a'], true, { action: 'run' }],
    ['bufferOne', ['run/a'], false, { action: 'buffer' }],
    [
      'bufferOne',
      ['run/a'],
      true,
      {
        action: 'skip',
        reason: 'overlap: run run/a still running and one tick already buffered (policy bufferOne)',
      },
    ],
    ['skip', ['run/a'], false, { action: 'skip', reason: 'overlap: run run/a still running (policy skip)' }],
  ]
  it.each(cases)('%s with running %j, buffered %s', (overlap, running, buffered, expected) => {
    expect(overlapDecision(overlap, running, buffered)).toEqual(expected)
  })

  it("with bufferOne full and merging on, the new tick takes the buffered one's place; skip still skips", () => {
    let asked = 0
    const merges = () => {
      asked++
      return true
    }
    expect(overlapDecision('bufferOne', ['run/a'], true, merges)).toEqual({
      action: 'merge',
      runningId: 'run/a',
    })
    expect(overlapDecision('bufferOne', ['run/a'], false, merges)).toEqual({ action: 'buffer' })
    expect(overlapDecision('skip', ['run/a'], false, merges)).toMatchObject({ action: 'skip' })
    expect(asked).toBe(1)
  })

  it('mergeIntoBuffered keeps the oldest buffered period and records the older tick as covered by the newer', () => {
    const hourly = spec()
    const first = mergeIntoBuffered(
      ID,
      hourly,
      { fireTime: '2026-12-01T09:00:00.000Z', trigger: 'schedule' },
      {
        fireTime: new Date('2026-12-01T10:00:00Z'),
        trigger: 'schedule',
        runningId: 'run/a',
      },
    )
    expect(first.buffered).toEqual({
      fireTime: '2026-12-01T10:00:00.000Z',
      trigger: 'schedule',
      periodStart: '2026-12-01T08:00:00.000Z',
    })
    expect(first.superseded.record).toMatchObject({
      fireTime: '2026-12-01T09:00:00.000Z',
      status: 'skipped',
      policy: 'overlap',
      coveredBy: runIdFor(ID, new Date('2026-12-01T10:00:00Z')),
    })
    const second = mergeIntoBuffered(ID, hourly, first.buffered, {
      fireTime: new Date('2026-12-01T11:00:00Z'),
      trigger: 'catchup',
      runningId: 'run/a',
    })
    expect(second.buffered).toEqual({
      fireTime: '2026-12-01T11:00:00.000Z',
      trigger: 'catchup',
      periodStart: '2026-12-01T08:00:00.000Z',
    })
  })
})

describe('pausedTicks', () => {
  it('records the ticks a pause kept from running as one skipped range, with the pause note', () => {
    const paused = pausedTicks(
      ID,
      spec(),
      '2026-12-01T08:00:00Z',
      new Date('2026-12-01T11:30:00Z'),
      'quarter close',
    )
    expect(paused?.record).toEqual({
      scheduleId: ID,
      runId: rangeRunId(ID, new Date('2026-12-01T09:00:00Z'), new Date('2026-12-01T11:00:00Z')),
      fireTime: '2026-12-01T09:00:00.000Z',
      status: 'skipped',
      reason:
        'paused ("quarter close"): 3 tick(s) from 2026-12-01T09:00:00.000Z to 2026-12-01T11:00:00.000Z not run',
      policy: 'paused',
    })
    expect(paused?.alsoMissed).toBe(0)
  })

  it('records nothing when no tick fell inside the pause', () => {
    expect(pausedTicks(ID, spec(), '2026-12-01T08:00:00Z', new Date('2026-12-01T08:59:00Z'), undefined)).toBe(
      undefined,
    )
  })
})

describe('runTimeoutMs and reportPeriod', () => {
  it('cuts the configured timeout to the interval, but never below the minimum', () => {
    const tick = new Date('2026-12-01T09:00:00Z')
    expect(runTimeoutMs(spec({ runTimeoutMinutes: 30 }), tick)).toBe(30 * 60_000)
    expect(runTimeoutMs(spec({ cron: '*/20 * * * *', runTimeoutMinutes: 30 }), tick)).toBe(20 * 60_000)
    expect(runTimeoutMs(spec({ cron: '* * * * *', runTimeoutMinutes: 30 }), tick)).toBe(MIN_RUN_TIMEOUT_MS)
  })

  it('a tick reports since the tick before it; a manual run since the last tick, never an empty period', () => {
    const hourly = spec()
    const tick = new Date('2026-12-01T09:00:00Z')
    expect(reportPeriod(hourly, tick, 'schedule', { sinceLastTick: true })).toEqual({
      start: new Date('2026-12-01T08:00:00Z'),
      end: tick,
    })
    const manual = new Date('2026-12-01T09:20:00Z')
    expect(reportPeriod(hourly, manual, 'manual', { sinceLastTick: true })).toEqual({
      start: tick,
      end: manual,
    })
    // Created after the last tick: one cron interval back, not the seconds since creation.
    expect(
      reportPeriod(hourly, manual, 'manual', { sinceLastTick: true, createdAt: '2026-12-01T09:19:00Z' }),
    ).toEqual({
      start: new Date('2026-12-01T08:20:00Z'),
      end: manual,
    })
  })
})
