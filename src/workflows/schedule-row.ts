import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import { SNAPSHOT_POLICY } from './activity-policies.js'
import { SnapshotPublisher } from './snapshot-publisher.js'

const { publishScheduleState } = wf.proxyLocalActivities<HeraldActivities>(SNAPSHOT_POLICY)

/** Executions started before live-state snapshots existed replay without them (see docs/SCHEDULING.md). */
const SNAPSHOTS_PATCH = 'live-state-snapshots'
/**
 * The workflow is the one writer of its row after creation: snapshots carry its definition too, and the trigger and
 * updateSchedule updates answer once the change is published. Executions from before replay without either.
 */
const ONE_WRITER_PATCH = 'workflow-writes-its-row'
/** An update waits at most this long for its change to be published (the API gives up on Temporal after 10 s). */
const PUBLISHED_ANSWER_WAIT = '5 seconds'
/** A schedule that has ended waits at most this long for the database to take its final snapshot. */
const FINAL_SNAPSHOT_WAIT = '1 hour'

/** What a snapshot carries: the live state, and the definition once the workflow writes its row. */
interface Published {
  state: ScheduleState
  spec?: ScheduleSpec
}

/** The schedule's herald.schedules row, as its workflow (its one writer after creation) keeps it up to date. */
export class ScheduleRow {
  private readonly snapshots: SnapshotPublisher<Published>
  /** Set once by start() from the patches, so old histories replay as recorded. */
  private publishing = false
  /** The trigger and updateSchedule updates answer once published only in executions that write their row. */
  writesRow = false

  constructor(scheduleId: string, mayPublish: () => boolean) {
    this.snapshots = new SnapshotPublisher(
      ({ state, spec }, asOf) => publishScheduleState({ scheduleId, state, spec, asOf }),
      mayPublish,
    )
  }

  /** Call once, first thing in the workflow's main loop. */
  start(): void {
    this.publishing = wf.patched(SNAPSHOTS_PATCH)
    this.writesRow = this.publishing && wf.patched(ONE_WRITER_PATCH)
    if (this.publishing) void this.snapshots.run()
  }

  offer(state: ScheduleState, spec: ScheduleSpec): void {
    this.snapshots.offer(this.writesRow ? { state, spec } : { state })
  }

  /** Publishes `state` and waits (PUBLISHED_ANSWER_WAIT at most) until the row shows it. */
  async answer(state: ScheduleState, spec: ScheduleSpec): Promise<ScheduleState> {
    if (!this.publishing) return state
    this.offer(state, spec)
    await wf.condition(() => this.snapshots.isCurrent(), PUBLISHED_ANSWER_WAIT)
    return state
  }

  /** The schedule ended: its last state is published before the workflow closes (FINAL_SNAPSHOT_WAIT at most). */
  async final(state: ScheduleState, spec: ScheduleSpec): Promise<void> {
    this.offer(state, spec)
    if (this.publishing) await wf.condition(() => this.snapshots.isCurrent(), FINAL_SNAPSHOT_WAIT)
  }

  /** No write is in flight (continue-as-new must not abandon one). */
  isIdle(): boolean {
    return this.snapshots.isIdle()
  }
}
