import { describe, expect, it } from 'vitest'
import {
  cronError,
  fireTimesBetween,
  isValidTimezone,
  nextFireTimes,
  toZonedIso,
} from '../../src/domain/cron.js'

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
