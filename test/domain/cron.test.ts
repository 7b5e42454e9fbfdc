import { describe, expect, it } from 'vitest'
import {
  cronError,
  fireTimesBetween,
  isValidTimezone,
  nextFireTimes,
  toZonedIso,
  triggeredRunPeriod,
} from '../../src/domain/cron.js'
import { cronScheduleProblem, firstFireTimeWithin, shortestTickGap } from '../../src/domain/cron-guards.js'

const local = (dates: Date[], timezone: string) => dates.map((d) => toZonedIso(d, timezone))

describe('DST policy: a missing wall-clock time fires once right after the gap, a repeated one once on its first occurrence', () => {
  // [zone, cron, start (UTC), expected local fire times]
  const cases: [string, string, string, string, string[]][] = [
    [
      'Europe/Berlin',
      'spring forward (02:30 does not exist)',
      '30 2 * * *',
      '2027-03-27T00:00:00Z',
      ['2027-03-27T02:30:00+01:00', '2027-03-28T03:00:00+02:00', '2027-03-29T02:30:00+02:00'],
    ],
    [
      'Europe/Berlin',
      'fall back (02:30 happens twice)',
      '30 2 * * *',
      '2027-10-30T00:00:00Z',
      ['2027-10-30T02:30:00+02:00', '2027-10-31T02:30:00+02:00', '2027-11-01T02:30:00+01:00'],
    ],
    [
      'Europe/Berlin',
      'fall back, half-hourly',
      '*/30 2-3 * * *',
      '2027-10-30T23:00:00Z',
      [
        '2027-10-31T02:00:00+02:00',
        '2027-10-31T02:30:00+02:00',
        '2027-10-31T03:00:00+01:00',
        '2027-10-31T03:30:00+01:00',
      ],
    ],
    [
      'America/New_York',
      'spring forward (02:30 does not exist)',
      '30 2 * * *',
      '2027-03-13T00:00:00Z',
      ['2027-03-13T02:30:00-05:00', '2027-03-14T03:00:00-04:00', '2027-03-15T02:30:00-04:00'],
    ],
    [
      'America/New_York',
      'fall back (01:30 happens twice)',
      '30 1 * * *',
      '2027-11-06T00:00:00Z',
      ['2027-11-06T01:30:00-04:00', '2027-11-07T01:30:00-04:00', '2027-11-08T01:30:00-05:00'],
    ],
    [
      'America/New_York',
      'fall back, hourly',
      '0 * * * *',
      '2027-11-07T04:30:00Z',
      ['2027-11-07T01:00:00-04:00', '2027-11-07T02:00:00-05:00', '2027-11-07T03:00:00-05:00'],
    ],
    [
      'Australia/Sydney',
      'spring forward in October (02:30 does not exist)',
      '30 2 * * *',
      '2027-10-02T00:00:00Z',
      ['2027-10-03T03:00:00+11:00', '2027-10-04T02:30:00+11:00', '2027-10-05T02:30:00+11:00'],
    ],
    [
      'Australia/Sydney',
      'fall back in April (02:30 happens twice)',
      '30 2 * * *',
      '2027-04-02T00:00:00Z',
      ['2027-04-03T02:30:00+11:00', '2027-04-04T02:30:00+11:00', '2027-04-05T02:30:00+10:00'],
    ],
    [
      'Australia/Lord_Howe',
      'half-hour DST shift',
      '*/30 1-2 * * *',
      '2027-04-03T13:00:00Z',
      [
        '2027-04-04T01:00:00+11:00',
        '2027-04-04T01:30:00+11:00',
        '2027-04-04T02:00:00+10:30',
        '2027-04-04T02:30:00+10:30',
      ],
    ],
    [
      'UTC',
      '6-field cron with seconds',
      '*/20 * * * * *',
      '2027-01-01T00:00:00Z',
      ['2027-01-01T00:00:20+00:00', '2027-01-01T00:00:40+00:00', '2027-01-01T00:01:00+00:00'],
    ],
    [
      'Europe/Berlin',
      '@weekly nickname',
      '@weekly',
      '2027-01-01T00:00:00Z',
      ['2027-01-03T00:00:00+01:00', '2027-01-10T00:00:00+01:00'],
    ],
  ]

  it.each(cases)('%s, %s', (timezone, _label, cron, start, expected) => {
    const times = nextFireTimes({ cron, timezone }, new Date(start), expected.length)
    expect(local(times, timezone)).toEqual(expected)
  })

  it('never fires the same instant twice across a whole year of hourly ticks', () => {
    for (const timezone of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney']) {
      const times = fireTimesBetween(
        { cron: '0 * * * *', timezone },
        new Date('2027-01-01T00:00:00Z'),
        new Date('2028-01-01T00:00:00Z'),
        10_000,
      )
      const iso = times.map((t) => t.toISOString())
      expect(new Set(iso).size).toBe(iso.length)
      const wallClock = local(times, timezone).map((s) => s.slice(0, 16))
      expect(new Set(wallClock).size).toBe(wallClock.length)
      // 8760 hours in 2027, minus the one skipped at spring forward and the repeated one at fall back.
      expect(times.length).toBe(8760 - 1)
    }
  })

  it('respects startAt and endAt', () => {
    const timing = {
      cron: '0 8 * * *',
      timezone: 'Europe/Berlin',
      startAt: '2027-05-10T00:00:00+02:00',
      endAt: '2027-05-12T09:00:00+02:00',
    }
    expect(local(nextFireTimes(timing, new Date('2027-01-01T00:00:00Z'), 10), 'Europe/Berlin')).toEqual([
      '2027-05-10T08:00:00+02:00',
      '2027-05-11T08:00:00+02:00',
      '2027-05-12T08:00:00+02:00',
    ])
  })
})

describe('validation', () => {
  it.each([
    ['61 * * * *', /minute/],
    ['* * *', /5 fields/],
    ['@reboot', /nickname/],
    ['* * * * * * *', /5 fields/],
  ])('rejects %s', (cron, message) => {
    expect(cronError(cron)).toMatch(message)
  })

  it.each(['*/5 * * * *', '0 8 * * 1-5', '@daily', '0 0 8 * * MON-FRI'])('accepts %s', (cron) => {
    expect(cronError(cron)).toBeUndefined()
  })

  it('knows IANA zones', () => {
    expect(isValidTimezone('Europe/Berlin')).toBe(true)
    expect(isValidTimezone('UTC')).toBe(true)
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false)
    expect(isValidTimezone('CEST')).toBe(false)
  })
})

describe('cron guards: schedules that never fire or fire too often', () => {
  // A Monday 09:00 UTC; every case is computed from this fixed instant, never from the clock.
  const now = new Date('2027-01-04T09:00:00Z')
  const problemOf = (cron: string, minTickSeconds = 60) =>
    cronScheduleProblem({ cron, timezone: 'Europe/Berlin' }, { now, minTickSeconds })

  // [cron, MIN_TICK_SECONDS, expected problem (undefined: accepted)]
  const cases: [string, number, RegExp | undefined][] = [
    ['0 0 30 2 *', 60, /no fire time in the next 5 years/],
    ['0 0 31 4 *', 60, /no fire time in the next 5 years/],
    // Five Fridays in February: only in 2036, beyond the 5-year horizon.
    ['0 0 * 2 5#5', 60, /no fire time in the next 5 years/],
    ['0 0 30 2 *', 0, /no fire time in the next 5 years/],
    ['0 0 29 2 *', 60, undefined],
    ['* * * * * *', 60, /fires every 1 s at its fastest.*minimum interval is 60 s \(MIN_TICK_SECONDS\)/],
    ['*/30 * * * * *', 60, /fires every 30 s/],
    // Fast only from 08:00 to 08:59: the next ticks after 09:00 are tomorrow's burst, caught at the second one.
    ['*/10 * 8 * * *', 60, /fires every 10 s at its fastest \(from 2027-01-05 08:00:00/],
    // 00:00, 00:59, 23:00, 23:59: the shortest gap is across midnight, from 23:59 to the next day's 00:00.
    ['0,59 0,23 * * *', 120, /fires every 60 s at its fastest \(from 2027-01-04 23:59:00/],
    ['0,59 0,23 * * *', 60, undefined],
    // The demo schedule: every minute is exactly the default limit, so it passes.
    ['* * * * *', 60, undefined],
    ['* * * * *', 61, /fires every 60 s/],
    ['@hourly', 3600, undefined],
    ['0 8 * * 1-5', 86_400, undefined],
    ['* * * * * *', 1, undefined],
    ['* * * * * *', 0, undefined],
  ]
  it.each(cases)('%s with MIN_TICK_SECONDS=%i', (cron, minTickSeconds, expected) => {
    const problem = problemOf(cron, minTickSeconds)
    if (expected) expect(problem).toMatch(expected)
    else expect(problem).toBeUndefined()
  })

  it('names the first fire time beyond the horizon when asked for a longer one', () => {
    const timing = { cron: '0 0 * 2 5#5', timezone: 'UTC' }
    expect(firstFireTimeWithin(timing, now)).toBeUndefined()
    expect(firstFireTimeWithin(timing, now, 10)?.toISOString()).toBe('2036-02-29T00:00:00.000Z')
  })

  it('measures a slow cron over a year of ticks at most, and stops at the first gap below the limit', () => {
    expect(shortestTickGap('0 8 * * 1-5', now)).toEqual({
      seconds: 86_400,
      from: new Date('2027-01-05T08:00:00Z'),
    })
    expect(shortestTickGap('0 0 1 * *', now)?.seconds).toBe(28 * 86_400)
    expect(shortestTickGap('*/10 * 8 * * *', now, 60)).toEqual({
      seconds: 10,
      from: new Date('2027-01-05T08:00:00Z'),
    })
    expect(shortestTickGap('0 0 30 2 *', now)).toBeUndefined()
  })
})

describe('the report period of a run started by hand', () => {
  const period = (
    timing: { cron: string; timezone: string; startAt?: string },
    at: string,
    since?: string,
  ) => {
    const { start, end } = triggeredRunPeriod(timing, new Date(at), since ? new Date(since) : undefined)
    return [start.toISOString(), end.toISOString()]
  }
  const berlin = (cron: string, startAt?: string) => ({ cron, timezone: 'Europe/Berlin', startAt })

  // [label, timing, trigger time, schedule created, expected [start, end]]
  const cases: [string, ReturnType<typeof berlin>, string, string | undefined, [string, string]][] = [
    [
      'the demo right after its creation: no tick since, so one minute ending now',
      berlin('* * * * *'),
      '2027-01-04T08:54:23.123Z',
      '2027-01-04T08:54:22.000Z',
      ['2027-01-04T08:53:23.123Z', '2027-01-04T08:54:23.123Z'],
    ],
    [
      'the demo a day later: from its last tick',
      berlin('* * * * *'),
      '2027-01-05T08:54:23.123Z',
      '2027-01-04T08:54:22.000Z',
      ['2027-01-05T08:54:00.000Z', '2027-01-05T08:54:23.123Z'],
    ],
    [
      'weekdays 08:00 on a Saturday: from Friday 08:00',
      berlin('0 8 * * 1-5'),
      '2027-01-09T13:00:00.000Z',
      '2026-06-01T00:00:00.000Z',
      ['2027-01-08T07:00:00.000Z', '2027-01-09T13:00:00.000Z'],
    ],
    [
      "daily, created after today's tick: one day ending now",
      berlin('0 8 * * *'),
      '2027-01-09T13:00:00.000Z',
      '2027-01-09T12:00:00.000Z',
      ['2027-01-08T13:00:00.000Z', '2027-01-09T13:00:00.000Z'],
    ],
    [
      'daily, startAt still ahead: one day ending now',
      berlin('0 8 * * *', '2027-02-01T00:00:00+01:00'),
      '2027-01-09T13:00:00.000Z',
      undefined,
      ['2027-01-08T13:00:00.000Z', '2027-01-09T13:00:00.000Z'],
    ],
    [
      'a schedule older than this rule (no creation time): from its last tick',
      berlin('0 8 * * *'),
      '2027-01-09T13:00:00.000Z',
      undefined,
      ['2027-01-09T07:00:00.000Z', '2027-01-09T13:00:00.000Z'],
    ],
  ]
  it.each(cases)('%s', (_label, timing, at, since, expected) => {
    expect(period(timing, at, since)).toEqual(expected)
  })

  it('skips the repeated hour of a fall back, which the schedule never fires', () => {
    // 06:30Z is 01:30 EST, the second 01:30 that night; 01:00 EST (06:00Z) was not fired, 01:00 EDT (05:00Z) was.
    expect(period({ cron: '0 * * * *', timezone: 'America/New_York' }, '2027-11-07T06:30:00Z')).toEqual([
      '2027-11-07T05:00:00.000Z',
      '2027-11-07T06:30:00.000Z',
    ])
  })
})
