import { setImmediate as nextTurn } from 'node:timers/promises'
import { Context } from '@temporalio/activity'

/**
 * Lets long renders share the event loop (keep-alive heartbeats, other activities) without paying for a yield per row:
 * callers tick once per row and only every `checkEvery` ticks is the clock read.
 */
export class EventLoopYielder {
  private ticks = 0
  private last = performance.now()
  private readonly activity = currentActivity()

  constructor(
    private readonly maxBusyMs = 20,
    private readonly checkEvery = 64,
  ) {}

  /** True when the caller should `await yieldNow()`. */
  due(): boolean {
    if (++this.ticks < this.checkEvery) return false
    this.ticks = 0
    return performance.now() - this.last >= this.maxBusyMs
  }

  /** Also stops a cancelled render. Heartbeats come from the worker's keep-alive interceptor (`heartbeats.ts`). */
  async yieldNow(): Promise<void> {
    await nextTurn()
    this.last = performance.now()
    if (this.activity?.cancellationSignal.aborted) throw this.activity.cancellationSignal.reason
  }
}

/** The activity context inside a worker; undefined when called directly (tests, benchmarks). */
function currentActivity(): Context | undefined {
  try {
    return Context.current()
  } catch {
    return undefined
  }
}
