import { describe, expect, it } from 'vitest'
import { forEachConcurrently } from '../../src/activities/mail/deliver.js'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('forEachConcurrently (the delivery fan-out)', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0
    let peak = 0
    const done: number[] = []
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++
      peak = Math.max(peak, running)
      await tick()
      done.push(n)
      running--
    })
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(peak).toBe(3)
  })

  it('starts nothing after a failure, lets the running items settle, then throws that failure', async () => {
    const started: number[] = []
    const settled: number[] = []
    const failure = new Error('ledger unavailable')
    const run = forEachConcurrently([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n)
      if (n === 1) throw failure
      await tick()
      await tick()
      settled.push(n)
    })
    await expect(run).rejects.toBe(failure)
    // 2 was running when 1 failed; it finished before the call returned. 3 may have taken 1's slot.
    expect(settled).toEqual(started.filter((n) => n !== 1))
    expect(started.length).toBeLessThanOrEqual(3)
  })
})
