import type { Database } from '../../db/client.js'
import * as deliveries from '../../db/deliveries.js'
import * as recipientPreferences from '../../db/recipient-preferences.js'
import type { DeliveryInput } from '../../domain/delivery.js'
import { capTimezone, localDay, type RecipientQuietHours } from '../../domain/recipient-preferences.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import type { Recipient, ResolvedRecipients } from './recipients.js'
import { resolveRecipients } from './recipients.js'

/**
 * Recipient preferences at delivery: who is in quiet hours (asked by the run workflow before it mails), and who
 * must not be mailed now because they turned email off or reached their daily cap (checked at each claim).
 */

export function createPreferenceActivities(deps: { db: Database }) {
  return {
    /** The quiet hours of the schedule's recipients who have any (lists expanded; suppressed ones, and those with email off, left out). */
    async recipientQuietHours(input: {
      scheduleId: string
      recipients: ScheduleSpec['recipients']
    }): Promise<RecipientQuietHours[]> {
      const resolved = await resolveRecipients(deps.db, input.scheduleId, input.recipients)
      const keys = resolved.recipients.map((r) => r.key)
      const stored = await recipientPreferences.ofRecipients(deps.db, keys)
      return keys.flatMap((recipient) => {
        const preferences = stored.get(recipient)
        // Email turned off: suppressed at the claim right away, nothing to defer.
        if (!preferences?.quietHours || !preferences.channels.email) return []
        return [{ recipient, quietHours: preferences.quietHours }]
      })
    },
  }
}

/** The part of the resolved recipients this delivery is about: all, minus those deferred, or a deferred group. */
export function deliveryPart(
  resolved: ResolvedRecipients,
  input: Pick<DeliveryInput, 'only' | 'deferred'>,
): ResolvedRecipients & { deferred: Array<Recipient & { until: string }> } {
  const only = input.only && new Set(input.only)
  const until = new Map((input.deferred ?? []).map((d) => [d.recipient, d.until]))
  const inPart = (r: Recipient) => (!only || only.has(r.key)) && !until.has(r.key)
  return {
    recipients: resolved.recipients.filter(inPart),
    suppressed: resolved.suppressed.filter(inPart),
    invalid: resolved.invalid.filter(inPart),
    unknownLists: resolved.unknownLists,
    deferred: resolved.recipients.flatMap((r) => {
      const at = until.get(r.key)
      return at ? [{ ...r, until: at }] : []
    }),
  }
}

/**
 * Why each of these recipients must not be mailed for this tick now: email turned off in their preferences, or their
 * daily cap reached (report mails sent in their local day, other ticks only). Recipients not listed may be mailed.
 */
export async function preferenceHolds(
  db: Database,
  tick: deliveries.DeliveryTick,
  recipients: string[],
  now: Date,
): Promise<Map<string, string>> {
  const holds = new Map<string, string>()
  if (recipients.length === 0) return holds
  const stored = await recipientPreferences.ofRecipients(db, recipients)
  for (const [recipient, preferences] of stored) {
    if (!preferences.channels.email) {
      holds.set(recipient, 'suppressed: email turned off in the recipient preferences')
      continue
    }
    if (preferences.dailyCap === null) continue
    const timezone = capTimezone(preferences)
    const day = localDay(now, timezone)
    const sent = await deliveries.sentToRecipientBetween(
      db,
      recipient,
      { from: day.start, to: day.end },
      tick,
    )
    if (sent >= preferences.dailyCap) {
      holds.set(
        recipient,
        `suppressed: daily cap of ${preferences.dailyCap} report mails reached on ${day.date} (${timezone})`,
      )
    }
  }
  return holds
}
