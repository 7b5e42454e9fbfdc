import * as wf from '@temporalio/workflow'
import { workflowNow } from './workflow-clock.js'

/** After a failed publish (database down), the next attempt waits this long: the state query still answers. */
const RETRY_AFTER_FAILURE = '1 minute'

/**
 * Publishes a workflow's state to the outside world whenever it changes, one write at a time, always the newest
 * value: changes made while a write is in flight are coalesced into the next one. Unchanged values are not
 * written again. Runs as a coroutine of the workflow (`run()`), driven by `offer()` from its main loop.
 */
export class SnapshotPublisher<T> {
  private latest: T | undefined
  private latestJson = ''
  private publishedJson = ''
  private inFlight = false

  constructor(
    private readonly publish: (value: T, asOf: string) => Promise<void>,
    /** False while publishing now would delay more urgent commands of the same workflow task. */
    private readonly mayPublish: () => boolean = () => true,
  ) {}

  offer(value: T): void {
    const json = JSON.stringify(value)
    if (json === this.latestJson) return
    this.latest = value
    this.latestJson = json
  }

  /** The newest offered value has been written. */
  isCurrent(): boolean {
    return this.publishedJson === this.latestJson
  }

  /** No write is in flight (continue-as-new must not abandon one). */
  isIdle(): boolean {
    return !this.inFlight
  }

  /** Publishes until the workflow ends; when it is cancelled, there is nothing left worth publishing. */
  async run(): Promise<void> {
    try {
      await this.publishChanges()
    } catch (err) {
      if (!wf.isCancellation(err)) throw err
    }
  }

  private async publishChanges(): Promise<never> {
    for (;;) {
      await wf.condition(() => !this.isCurrent() && this.mayPublish())
      const json = this.latestJson
      this.inFlight = true
      const published = await this.publish(this.latest as T, workflowNow().toISOString()).then(
        () => true,
        () => false,
      )
      this.inFlight = false
      if (published) this.publishedJson = json
      else await wf.sleep(RETRY_AFTER_FAILURE)
    }
  }
}
