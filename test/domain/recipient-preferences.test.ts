import { describe, expect, it } from 'vitest'
import {
  instantOfWallClock,
  localDay,
  type QuietHours,
  quietHoursEnd,
  recipientPreferencesSchema,
  splitByQuietHours,
} from '../../src/domain/recipient-preferences.js'

/** Quiet hours and local days without Temporal: the decisions the run workflow and the mail activity apply. */

const berlinNight: QuietHours = { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' }
const nyNight: QuietHours = { start: '22:00', end: '07:00', timezone: 'America/New_York' }
const berlinLunch: QuietHours = { start: '12:00', end: '13:30', timezone: 'Europe/Berlin' }
// Ends inside the spring-forward gap (02:00–03:00 does not exist on 2027-03-28 in Berlin).
const endsInGap: QuietHours = { start: '23:00', end: '02:30', timezone: 'Europe/Berlin' }
// Ends inside the fall-back hour (02:00–03:00 happens twice on 2026-10-25 in Berlin).
const endsInRepeat: QuietHours = { start: '23:00', end: '02:30', timezone: 'Europe/Berlin' }

describe('quietHoursEnd', () => {
  // [case, window, now (UTC), end of the quiet hours or undefined]
  const cases: [string, QuietHours, string, string | undefined][] = [
    ['before the window (winter, UTC+1)', berlinNight, '2026-12-02T20:59:00Z', undefined],
    ['at its start', berlinNight, '2026-12-02T21:00:00Z', '2026-12-03T06:00:00.000Z'],
    ['before midnight, ends tomorrow', berlinNight, '2026-12-02T22:30:00Z', '2026-12-03T06:00:00.000Z'],
    ['after midnight, ends today', berlinNight, '2026-12-03T03:00:00Z', '2026-12-03T06:00:00.000Z'],
    ['at its end: outside', berlinNight, '2026-12-03T06:00:00Z', undefined],
    ['summer (UTC+2)', berlinNight, '2026-07-01T21:00:00Z', '2026-07-02T05:00:00.000Z'],
    // Spring forward at 2027-03-28 01:00Z: the night is an hour shorter, 07:00 CEST is 05:00Z.
    ['night of spring forward', berlinNight, '2027-03-27T22:00:00Z', '2027-03-28T05:00:00.000Z'],
    // Fall back at 2026-10-25 01:00Z: the night is an hour longer, 07:00 CET is 06:00Z.
    ['night of fall back', berlinNight, '2026-10-24T21:00:00Z', '2026-10-25T06:00:00.000Z'],
    ['same day window, inside', berlinLunch, '2026-12-02T11:15:00Z', '2026-12-02T12:30:00.000Z'],
    ['same day window, outside', berlinLunch, '2026-12-02T12:30:00Z', undefined],
    ['an end the clock skips: the jump', endsInGap, '2027-03-27T23:00:00Z', '2027-03-28T01:00:00.000Z'],
    [
      'an end the clock shows twice: the first',
      endsInRepeat,
      '2026-10-24T22:30:00Z',
      '2026-10-25T00:30:00.000Z',
    ],
    // New York springs forward on 2027-03-14, two weeks before Berlin.
    ['another zone across its DST', nyNight, '2027-03-14T03:00:00Z', '2027-03-14T11:00:00.000Z'],
    ['another zone, outside', nyNight, '2027-03-14T12:00:00Z', undefined],
  ]
  it.each(cases)('%s', (_case, quiet, now, expected) => {
    expect(quietHoursEnd(quiet, new Date(now))?.toISOString()).toBe(expected)
  })
})

describe('splitByQuietHours', () => {
  it('groups recipients in quiet hours by the end of their window, soonest first', () => {
    const split = splitByQuietHours(
      [
        { recipient: 'berlin@example.com', quietHours: berlinNight },
        { recipient: 'lunch@example.com', quietHours: berlinLunch },
        { recipient: 'ny@example.com', quietHours: nyNight },
        { recipient: 'berlin2@example.com', quietHours: { ...berlinNight } },
      ],
      new Date('2026-12-02T23:00:00Z'),
    )
    expect(split.deferred).toEqual([
      {
        until: '2026-12-03T06:00:00.000Z',
        recipients: ['berlin@example.com', 'berlin2@example.com'],
        timezones: ['Europe/Berlin'],
      },
    ])
    // 18:00 in New York, 00:00 in Berlin: one group each.
    const later = splitByQuietHours(
      [
        { recipient: 'berlin@example.com', quietHours: berlinNight },
        { recipient: 'ny@example.com', quietHours: nyNight },
      ],
      new Date('2026-12-03T03:30:00Z'),
    )
    expect(later.deferred.map((g) => [g.until, g.recipients])).toEqual([
      ['2026-12-03T06:00:00.000Z', ['berlin@example.com']],
      ['2026-12-03T12:00:00.000Z', ['ny@example.com']],
    ])
  })

  it('defers nobody outside every window', () => {
    expect(
      splitByQuietHours(
        [{ recipient: 'a@example.com', quietHours: berlinNight }],
        new Date('2026-12-02T12:00:00Z'),
      ),
    ).toEqual({ deferred: [] })
  })
})

describe('localDay', () => {
  const cases: [string, string, string, string, string, string][] = [
    [
      'a winter day in Berlin',
      '2026-12-02T23:30:00Z',
      'Europe/Berlin',
      '2026-12-03',
      '2026-12-02T23:00:00.000Z',
      '2026-12-03T23:00:00.000Z',
    ],
    [
      'spring forward: 23 hours',
      '2027-03-28T12:00:00Z',
      'Europe/Berlin',
      '2027-03-28',
      '2027-03-27T23:00:00.000Z',
      '2027-03-28T22:00:00.000Z',
    ],
    [
      'fall back: 25 hours',
      '2026-10-25T12:00:00Z',
      'Europe/Berlin',
      '2026-10-25',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'UTC',
      '2026-12-02T00:00:00Z',
      'UTC',
      '2026-12-02',
      '2026-12-02T00:00:00.000Z',
      '2026-12-03T00:00:00.000Z',
    ],
  ]
  it.each(cases)('%s', (_case, at, timezone, date, start, end) => {
    const day = localDay(new Date(at), timezone)
    expect([day.date, day.start.toISOString(), day.end.toISOString()]).toEqual([date, start, end])
  })

  it('finds the wall clock in a zone without DST', () => {
    expect(instantOfWallClock(Date.UTC(2026, 11, 2, 9), 'Asia/Tokyo').toISOString()).toBe(
      '2026-12-02T00:00:00.000Z',
    )
  })
})

describe('recipientPreferencesSchema', () => {
  it('fills defaults and refuses a window that starts where it ends, naming the field', () => {
    expect(recipientPreferencesSchema.parse({})).toEqual({
      channels: { email: true },
      quietHours: null,
      dailyCap: null,
    })
    const bad = recipientPreferencesSchema.safeParse({
      quietHours: { start: '22:00', end: '22:00', timezone: 'Europe/Berlin' },
    })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.path).toEqual(['quietHours', 'end'])
    const badClock = recipientPreferencesSchema.safeParse({
      quietHours: { start: '24:00', end: '07:00', timezone: 'Mars/Base' },
    })
    expect(badClock.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'quietHours.start',
      'quietHours.timezone',
    ])
  })
})
