import * as wf from '@temporalio/workflow'
import type { ScheduleSpec } from '../domain/schedule.js'
import { scheduleCurrentDetails } from '../domain/schedule-description.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import { isIndexed, scheduleSearchAttributes } from './search-attributes.js'

/**
 * Keeps what the Temporal Web UI shows of a schedule up to date: its current details (what it waits for) and, when
 * it was started indexed, its search attributes (status, name, owners, recipient count), upserted only on change.
 */
export class ScheduleVisibility {
  /** The attributes as last set, as JSON; those it was started with count as set. */
  private upserted: string | undefined

  constructor(private readonly scheduleId: string) {}

  show(state: ScheduleState, spec: ScheduleSpec): void {
    wf.setCurrentDetails(scheduleCurrentDetails(state, spec.timezone))
    if (!isIndexed(wf.workflowInfo().typedSearchAttributes)) return
    const attributes = scheduleSearchAttributes(this.scheduleId, spec, state.status)
    this.upserted ??= asJson(
      attributes.map(({ key }) => [key.name, wf.workflowInfo().typedSearchAttributes.get(key)]),
    )
    const json = asJson(attributes.map(({ key, value }) => [key.name, value]))
    if (json === this.upserted) return
    this.upserted = json
    wf.upsertSearchAttributes(attributes)
  }
}

const asJson = (pairs: [string, unknown][]) => JSON.stringify(pairs)
