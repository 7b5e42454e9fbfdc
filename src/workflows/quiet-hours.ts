import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common'
import { patched, proxyActivities, setCurrentDetails, sleep, startChild } from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { toZonedIso } from '../domain/cron.js'
import type { DeliveryInput, DeliveryReport } from '../domain/delivery.js'
import type { MailDelivery } from '../domain/destination-delivery.js'
import { type DeferredGroup, splitByQuietHours } from '../domain/recipient-preferences.js'
import type { RunStep } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import { recipientCount } from '../domain/schedule-description.js'
import { DELIVERY_POLICY, NOTIFY_POLICY, PREFERENCES_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import { workflowNow, workflowNowMs } from './workflow-clock.js'

const { deliverReport } = proxyActivities<HeraldActivities>(DELIVERY_POLICY)
const { recipientQuietHours } = proxyActivities<HeraldActivities>(PREFERENCES_POLICY)
const { notifyOwners } = proxyActivities<HeraldActivities>(NOTIFY_POLICY)

/** Runs recorded before quiet hours existed replay without reading preferences. */
export const QUIET_HOURS_PATCH = 'quiet-hours'

/** What a run's mail carries, but for whom it goes to. */
export type MailContent = Omit<DeliveryInput, 'mail' | 'recipients' | 'deferred' | 'only'>

export interface MailOutcome {
  mail: MailDelivery
  /** A step per group deferred by quiet hours, for the run's record. */
  deferredSteps: RunStep[]
  /** For the run's reason, when anyone was deferred: "2 deferred by quiet hours". */
  deferredNote?: string
}

export interface QuietHoursDeliveryInput {
  content: MailContent
  mail: ScheduleSpec['mail']
  recipients: ScheduleSpec['recipients']
  owners: string[]
  notifyOwnersOnFailure: boolean
  groups: DeferredGroup[]
}

const whom = (recipients: string[]) =>
  recipients.length <= 3 ? recipients.join(', ') : `${recipients.length} recipients`
const untilText = (group: DeferredGroup) => toZonedIso(new Date(group.until), group.timezones[0] ?? 'UTC')

/**
 * Mails the run: at once to everyone outside their quiet hours, and to the rest at the end of their window, from a
 * child workflow of its own (`<runId>/quiet-hours`) that outlives the run, so neither the run's timeout nor the
 * schedule's overlap policy waits on a night's sleep. Every send goes through the same ledger rows.
 */
export async function mailReport(content: MailContent, spec: ScheduleSpec): Promise<MailOutcome> {
  const lists = spec.recipients.lists.length
  const everyone = `${recipientCount(spec) - lists} addresses${lists > 0 ? ` and ${lists} lists` : ''}`
  let groups: DeferredGroup[] = []
  if (patched(QUIET_HOURS_PATCH)) {
    try {
      const quiet = await recipientQuietHours.executeWithOptions(
        { summary: "read the recipients' quiet hours" },
        [{ scheduleId: content.run.scheduleId, recipients: spec.recipients }],
      )
      groups = splitByQuietHours(quiet, workflowNow()).deferred
    } catch (err) {
      // Without preferences nobody can be told apart: the delivery fails as a whole, and the owners hear of it.
      return {
        mail: { error: `recipient preferences unreadable: ${failureMessage(err)}` },
        deferredSteps: [],
      }
    }
  }
  const deferred = groups.flatMap((g) => g.recipients.map((recipient) => ({ recipient, until: g.until })))
  const target = deferred.length > 0 ? `${everyone}, ${deferred.length} deferred by quiet hours` : everyone
  let mail: MailDelivery
  try {
    setCurrentDetails(`delivering to ${target}`)
    const report = await deliverReport.executeWithOptions({ summary: `deliver to ${target}` }, [
      {
        ...content,
        mail: spec.mail,
        recipients: spec.recipients,
        ...(deferred.length > 0 ? { deferred } : {}),
      },
    ])
    mail = { report }
  } catch (err) {
    mail = { error: failureMessage(err) }
  }
  if (groups.length === 0) return { mail, deferredSteps: [] }

  const input: QuietHoursDeliveryInput = {
    content,
    mail: spec.mail,
    recipients: spec.recipients,
    owners: spec.owners,
    notifyOwnersOnFailure: spec.notifyOwnersOnFailure,
    groups,
  }
  try {
    await startChild(quietHoursDelivery, {
      workflowId: `${content.run.runId}/quiet-hours`,
      args: [input],
      // The run ends (and may time out) long before the windows do; this child carries on alone.
      parentClosePolicy: 'ABANDON',
      staticSummary: `${spec.name}: mail deferred by quiet hours`,
    })
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err
  }
  const deferredSteps = groups.map(
    (g): RunStep => ({
      name: 'deliver',
      status: 'ok',
      detail: `deferred by quiet hours until ${untilText(g)}: ${whom(g.recipients)}`,
    }),
  )
  return { mail, deferredSteps, deferredNote: `${deferred.length} deferred by quiet hours` }
}

/**
 * Mails each group deferred by quiet hours at its window's end, soonest first, on durable timers. A group whose
 * delivery still fails after its retries is reported to the owners (urgent: owner notices ignore quiet hours).
 */
export async function quietHoursDelivery(input: QuietHoursDeliveryInput): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = []
  for (const group of input.groups) {
    const summary = `quiet hours of ${whom(group.recipients)} until ${untilText(group)}`
    setCurrentDetails(summary)
    const wait = new Date(group.until).getTime() - workflowNowMs()
    if (wait > 0) await sleep(wait, { summary })
    try {
      const report = await deliverReport.executeWithOptions(
        { summary: `deliver to ${whom(group.recipients)} after their quiet hours` },
        [{ ...input.content, mail: input.mail, recipients: input.recipients, only: group.recipients }],
      )
      reports.push(report)
    } catch (err) {
      const error = `delivery after quiet hours failed: ${failureMessage(err)}`
      if (input.notifyOwnersOnFailure && input.owners.length > 0) {
        await notifyOwners.executeWithOptions({ summary: 'notify the owners of the failure' }, [
          { run: input.content.run, owners: input.owners, error },
        ])
      }
    }
  }
  const sent = reports.reduce((n, r) => n + r.sent + r.alreadySent, 0)
  setCurrentDetails(
    `done: ${sent} of ${input.groups.flatMap((g) => g.recipients).length} deferred recipients sent`,
  )
  return reports
}
