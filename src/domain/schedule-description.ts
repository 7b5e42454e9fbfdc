import cronstrue from 'cronstrue'
import { describeCondition } from './conditions.js'
import { toZonedIso } from './cron.js'
import type { RunTrigger } from './run.js'
import type { ScheduleSpec } from './schedule.js'
import type { ScheduleState } from './schedule-state.js'

/**
 * What the Temporal Web UI shows for Herald's workflows: one-line summaries, markdown details and current details,
 * so a history reads as the report's story. Pure: the API computes the schedule's at start, the workflows the rest.
 */

/** Direct addresses plus one per distribution list (a list's size is known only when a run resolves it). */
export function recipientCount(spec: Pick<ScheduleSpec, 'recipients'>): number {
  const { to, cc, bcc, lists } = spec.recipients
  return to.length + cc.length + bcc.length + lists.length
}

/** "At 08:00, Monday through Friday (Europe/Berlin)", or the cron itself if it cannot be put in words. */
export function describeTiming(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>): string {
  try {
    return `${cronstrue.toString(spec.cron, { use24HourTimeFormat: true })} (${spec.timezone})`
  } catch {
    return `${spec.cron} (${spec.timezone})`
  }
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

/** "Sales by region: At 08:00, Monday through Friday (Europe/Berlin), PDF + XLSX to 3 recipients". */
export function scheduleSummary(spec: ScheduleSpec): string {
  const formats = spec.formats.map((f) => f.toUpperCase()).join(' + ')
  return `${spec.name}: ${describeTiming(spec)}, ${formats} to ${plural(recipientCount(spec), 'recipient')}`
}

/** The definition in a few markdown lines (the SQL and the addresses stay out: they are in the payloads). */
export function scheduleDetails(spec: ScheduleSpec): string {
  const lists = spec.recipients.lists.length > 0 ? ` and ${plural(spec.recipients.lists.length, 'list')}` : ''
  const direct = spec.recipients.to.length + spec.recipients.cc.length + spec.recipients.bcc.length
  return [
    `**${spec.name}**`,
    `- when: ${describeTiming(spec)}, cron \`${spec.cron}\``,
    `- query: data source \`${spec.query.dataSource}\``,
    `- condition: ${describeCondition(spec.condition)}`,
    `- formats: ${spec.formats.join(', ')}; to ${plural(direct, 'address')}${lists}`,
    `- catch-up: ${spec.catchup.mode} within ${spec.catchup.windowMinutes} min; overlap: ${spec.overlap}`,
  ].join('\n')
}

/** The schedule's current details: what it is waiting for now. */
export function scheduleCurrentDetails(state: ScheduleState, timezone: string): string {
  if (state.status === 'completed') return 'completed: no tick left'
  if (state.status === 'paused') {
    const by = state.pausedBy ? ` by ${state.pausedBy}` : ''
    return `paused${by}${state.pausedNote ? `: ${state.pausedNote}` : ''}`
  }
  const next = state.nextFireTimes[0]
  const parts = [next ? `next tick ${toZonedIso(new Date(next.utc), timezone)}` : 'no tick left']
  if (state.skipNext) parts.push('the next tick will be skipped')
  if (state.running.length > 0) parts.push(`running ${state.running.join(', ')}`)
  if (state.buffered) parts.push(`tick ${state.buffered} waits for the running one`)
  return parts.join('; ')
}

/** "Sales by region: tick of 2026-12-02T08:00:00+01:00 (schedule)". */
export function runSummaryLine(
  spec: Pick<ScheduleSpec, 'name' | 'timezone'>,
  fireTime: string,
  trigger: RunTrigger,
): string {
  const what = trigger === 'manual' ? 'run by hand at' : trigger === 'catchup' ? 'late tick of' : 'tick of'
  return `${spec.name}: ${what} ${toZonedIso(new Date(fireTime), spec.timezone)}`
}
