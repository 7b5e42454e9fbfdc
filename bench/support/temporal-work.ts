import type { Client } from '@temporalio/client'
import proto from '@temporalio/proto'
import { runIdFor } from '../../src/domain/tick-plan.js'
import { markdownTable, ratio } from './stats.js'

/**
 * The Temporal work behind one run, counted from fetched histories: history events, workflow tasks, activity
 * tasks, local activities (markers), timers and child workflows. For Herald: the run's reportRun child plus the
 * events its schedule workflow wrote for the tick; for native: the workflow the Schedule started plus, where the
 * server lets it be read, the schedule's own internal workflow.
 */
const { EventType } = proto.temporal.api.enums.v1
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent

/** The server runs each native Schedule as an internal workflow with this id (scheduler v1). */
const NATIVE_SCHEDULER_PREFIX = 'temporal-sys-scheduler:'

export interface TemporalWork {
  /** Histories this average is over (0: none could be read). */
  sampled: number
  events: number
  workflowTasks: number
  activityTasks: number
  localActivities: number
  timers: number
  childWorkflows: number
}

const ZERO: Omit<TemporalWork, 'sampled'> = {
  events: 0,
  workflowTasks: 0,
  activityTasks: 0,
  localActivities: 0,
  timers: 0,
  childWorkflows: 0,
}

const eventMs = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6)

function count(events: HistoryEvent[]): Omit<TemporalWork, 'sampled'> {
  const of = (type: number) => events.filter((e) => e.eventType === type).length
  return {
    events: events.length,
    workflowTasks: of(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    activityTasks: of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    // Local activities leave a marker each (the SDK's core_local_activity marker), no task of their own.
    localActivities: events.filter(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED &&
        e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
    timers: of(EventType.EVENT_TYPE_TIMER_STARTED),
    childWorkflows: of(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
  }
}

/** A window of a long-lived workflow's history: the events of `ticks` ticks (from, to). */
export interface TickWindow {
  from: Date
  to: Date
  ticks: number
}

/** Events of one workflow (all of them, or per tick within a window); undefined when it cannot be read. */
async function workOf(client: Client, workflowId: string, window?: TickWindow) {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory()
    const events = (history.events ?? []).filter(
      (e) => !window || (eventMs(e) >= window.from.getTime() && eventMs(e) < window.to.getTime()),
    )
    const counted = count(events)
    if (!window) return counted
    const per = (n: number) => n / window.ticks
    return {
      events: per(counted.events),
      workflowTasks: per(counted.workflowTasks),
      activityTasks: per(counted.activityTasks),
      localActivities: per(counted.localActivities),
      timers: per(counted.timers),
      childWorkflows: per(counted.childWorkflows),
    }
  } catch {
    return undefined
  }
}

/** The average over the workflows that could be read. */
async function averageWork(
  client: Client,
  workflowIds: string[],
  window?: TickWindow,
): Promise<TemporalWork> {
  const found = (await Promise.all(workflowIds.map((id) => workOf(client, id, window)))).filter(
    (w): w is Omit<TemporalWork, 'sampled'> => w !== undefined,
  )
  const total = { ...ZERO }
  for (const w of found) for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += w[key]
  const n = found.length
  const avg = (v: number) => (n === 0 ? Number.NaN : v / n)
  return {
    sampled: n,
    events: avg(total.events),
    workflowTasks: avg(total.workflowTasks),
    activityTasks: avg(total.activityTasks),
    localActivities: avg(total.localActivities),
    timers: avg(total.timers),
    childWorkflows: avg(total.childWorkflows),
  }
}

/** Herald, per run: the reportRun child of each (schedule, fire time), and its schedule workflow's share. */
export async function heraldWorkPerRun(
  client: Client,
  scheduleIds: string[],
  fireTimes: Date[],
  scheduleWindow: TickWindow,
) {
  const runIds = scheduleIds.flatMap((id) => fireTimes.map((t) => runIdFor(id, t)))
  return {
    run: await averageWork(client, runIds),
    schedule: await averageWork(
      client,
      scheduleIds.map((id) => `schedule/${id}`),
      scheduleWindow,
    ),
  }
}

/**
 * Native, per run: the workflows the Schedules started (from each schedule's recent actions), and the schedule's
 * internal workflow's share when the server lets its history be read (scheduler v1 keeps one; it is not listed).
 */
export async function nativeWorkPerRun(
  client: Client,
  scheduleIds: string[],
  fireTimes: Date[],
  scheduleWindow: TickWindow,
) {
  const wanted = new Set(fireTimes.map((t) => t.getTime()))
  const started = await Promise.all(
    scheduleIds.map(async (id) => {
      const described = await client.schedule
        .getHandle(id)
        .describe()
        .catch(() => undefined)
      return (described?.info.recentActions ?? [])
        .filter((a) => wanted.has(a.scheduledAt.getTime()))
        .map((a) => a.action.workflow.workflowId)
    }),
  )
  return {
    run: await averageWork(client, started.flat()),
    schedule: await averageWork(
      client,
      scheduleIds.map((id) => `${NATIVE_SCHEDULER_PREFIX}${id}`),
      scheduleWindow,
    ),
  }
}

type SideWork = Awaited<ReturnType<typeof heraldWorkPerRun>>

const sum = (a: TemporalWork, b: TemporalWork): TemporalWork => ({
  sampled: Math.min(a.sampled, b.sampled),
  events: a.events + (b.sampled > 0 ? b.events : 0),
  workflowTasks: a.workflowTasks + (b.sampled > 0 ? b.workflowTasks : 0),
  activityTasks: a.activityTasks + (b.sampled > 0 ? b.activityTasks : 0),
  localActivities: a.localActivities + (b.sampled > 0 ? b.localActivities : 0),
  timers: a.timers + (b.sampled > 0 ? b.timers : 0),
  childWorkflows: a.childWorkflows + (b.sampled > 0 ? b.childWorkflows : 0),
})

const num = (v: number) => (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : 'n/a')

/** The per-run table: each side's workflows, their sum per run, and Herald's sum against native's. */
export function temporalWorkTable(herald: SideWork, native: SideWork | undefined): string {
  const heraldTotal = sum(herald.run, herald.schedule)
  const nativeTotal = native ? sum(native.run, native.schedule) : undefined
  const row = (name: string, sampled: string, w: TemporalWork, base?: TemporalWork) => [
    name,
    sampled,
    num(w.events),
    num(w.workflowTasks),
    num(w.activityTasks),
    num(w.localActivities),
    num(w.timers),
    num(w.childWorkflows),
    base ? ratio(w.events, base.events) : '',
    base ? ratio(w.workflowTasks, base.workflowTasks) : '',
    base ? ratio(w.activityTasks, base.activityTasks) : '',
  ]
  const notRead = 'not readable on this server'
  const rows = [
    row('Herald: reportRun child', `${herald.run.sampled} runs`, herald.run),
    row(
      'Herald: schedule workflow, share of one tick',
      `${herald.schedule.sampled} schedules`,
      herald.schedule,
    ),
    row('Herald: per run, total', '', heraldTotal, nativeTotal),
  ]
  if (native && nativeTotal) {
    rows.push(
      row('native: nativeReportTick (started by the Schedule)', `${native.run.sampled} runs`, native.run),
      native.schedule.sampled > 0
        ? row(
            "native: the Schedule's internal workflow, share of one tick",
            `${native.schedule.sampled} schedules`,
            native.schedule,
          )
        : ["native: the Schedule's internal workflow", notRead, '', '', '', '', '', '', '', '', ''],
      row('native: per run, total', '', nativeTotal, nativeTotal),
    )
  }
  return markdownTable(
    [
      'Temporal work per run',
      'sample',
      'history events',
      'workflow tasks',
      'activity tasks',
      'local activities',
      'timers',
      'child workflows',
      'events vs native',
      'workflow tasks vs native',
      'activity tasks vs native',
    ],
    rows,
  )
}
