import {
  defineSearchAttributeKey,
  type SearchAttributePair,
  SearchAttributeType,
  type TypedSearchAttributes,
} from '@temporalio/common'
import type { RunStatus, RunTrigger } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import { recipientCount } from '../domain/schedule-description.js'
import type { LiveStatus } from '../domain/schedule-state.js'

/**
 * Herald's search attributes: what an operator filters on in the Temporal Web UI or with `temporal workflow list
 * --query`, e.g. `HeraldScheduleName = "Sales by region" AND HeraldRunOutcome = "failed"`. Search attributes are
 * visibility data: Temporal stores them unencrypted (docs/SECURITY.md, "What Temporal stores"). So owners, being
 * email addresses, are not indexed: they would sit in clear text beside encrypted payloads.
 */
export const HeraldScheduleId = defineSearchAttributeKey('HeraldScheduleId', SearchAttributeType.KEYWORD)
export const HeraldScheduleName = defineSearchAttributeKey('HeraldScheduleName', SearchAttributeType.KEYWORD)
/** Schedule workflows: active, paused or completed. */
export const HeraldStatus = defineSearchAttributeKey('HeraldStatus', SearchAttributeType.KEYWORD)
/** Run workflows: running, then sent, partial, skipped or failed. */
export const HeraldRunOutcome = defineSearchAttributeKey('HeraldRunOutcome', SearchAttributeType.KEYWORD)
export const HeraldTrigger = defineSearchAttributeKey('HeraldTrigger', SearchAttributeType.KEYWORD)
export const HeraldFireTime = defineSearchAttributeKey('HeraldFireTime', SearchAttributeType.DATETIME)
/** Schedules: direct addresses plus lists; runs: recipients the delivery reached or tried. */
export const HeraldRecipientCount = defineSearchAttributeKey('HeraldRecipientCount', SearchAttributeType.INT)

/** Every key, for registration (`npm run temporal:setup`, the dev server) and the worker's start-up check. */
export const HERALD_SEARCH_ATTRIBUTES = [
  HeraldScheduleId,
  HeraldScheduleName,
  HeraldStatus,
  HeraldRunOutcome,
  HeraldTrigger,
  HeraldFireTime,
  HeraldRecipientCount,
] as const

/** What a schedule workflow is started with (and upserts when its definition or status changes). */
export function scheduleSearchAttributes(
  scheduleId: string,
  spec: ScheduleSpec,
  status: LiveStatus,
): SearchAttributePair[] {
  return [
    { key: HeraldScheduleId, value: scheduleId },
    { key: HeraldScheduleName, value: spec.name },
    { key: HeraldStatus, value: status },
    { key: HeraldRecipientCount, value: recipientCount(spec) },
  ]
}

/** What a run workflow is started with; its outcome is upserted when it ends. */
export function runSearchAttributes(
  scheduleId: string,
  spec: ScheduleSpec,
  run: { fireTime: string; trigger: RunTrigger; outcome: RunStatus },
): SearchAttributePair[] {
  return [
    { key: HeraldScheduleId, value: scheduleId },
    { key: HeraldScheduleName, value: spec.name },
    { key: HeraldTrigger, value: run.trigger },
    { key: HeraldFireTime, value: new Date(run.fireTime) },
    { key: HeraldRunOutcome, value: run.outcome },
  ]
}

/**
 * Herald indexes a workflow only if it was started with its attributes: where they are not registered (the
 * time-skipping test server, a namespace not yet set up), starters leave them out and the workflow never upserts,
 * since upserting an unknown attribute fails the workflow task.
 */
export function isIndexed(attributes: TypedSearchAttributes): boolean {
  return attributes.get(HeraldScheduleId) !== undefined
}
