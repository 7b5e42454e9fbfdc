import type { Sql } from 'postgres'
import type { RecipientPreferences } from '../domain/recipient-preferences.js'

/**
 * herald.recipient_preferences: per recipient (a lower-cased email address) the channels allowed, quiet hours and a
 * daily cap. Written by the API, read by the worker before a run mails (quiet hours) and at each claim (cap, channel).
 */

interface PreferenceRow {
  recipient: string
  email_enabled: boolean
  quiet_start: string | null
  quiet_end: string | null
  quiet_timezone: string | null
  daily_cap: number | null
  updated_at: Date
}

export interface StoredPreferences extends RecipientPreferences {
  recipient: string
  updatedAt: Date
}

const CHUNK = 5000

function toPreferences(row: PreferenceRow): StoredPreferences {
  return {
    recipient: row.recipient,
    channels: { email: row.email_enabled },
    quietHours:
      row.quiet_start && row.quiet_end && row.quiet_timezone
        ? { start: row.quiet_start, end: row.quiet_end, timezone: row.quiet_timezone }
        : null,
    dailyCap: row.daily_cap,
    updatedAt: row.updated_at,
  }
}

export async function byRecipient(db: Sql, recipient: string): Promise<StoredPreferences | undefined> {
  const [row] = await db<PreferenceRow[]>`
    SELECT recipient, email_enabled, quiet_start, quiet_end, quiet_timezone, daily_cap, updated_at
      FROM herald.recipient_preferences WHERE recipient = ${recipient}`
  return row && toPreferences(row)
}

/** The preferences of those of these (lower-cased) recipients who have any. */
export async function ofRecipients(db: Sql, recipients: string[]): Promise<Map<string, StoredPreferences>> {
  const result = new Map<string, StoredPreferences>()
  for (let i = 0; i < recipients.length; i += CHUNK) {
    const chunk = recipients.slice(i, i + CHUNK)
    const rows = await db<PreferenceRow[]>`
      SELECT recipient, email_enabled, quiet_start, quiet_end, quiet_timezone, daily_cap, updated_at
        FROM herald.recipient_preferences WHERE recipient IN ${db(chunk)}`
    for (const row of rows) result.set(row.recipient, toPreferences(row))
  }
  return result
}

/** Replaces the recipient's preferences as a whole; true when they had none before. */
export async function put(
  db: Sql,
  recipient: string,
  preferences: RecipientPreferences,
  actor: string,
): Promise<{ preferences: StoredPreferences; created: boolean }> {
  const q = preferences.quietHours
  const [row] = await db<(PreferenceRow & { created: boolean })[]>`
    INSERT INTO herald.recipient_preferences
      (recipient, email_enabled, quiet_start, quiet_end, quiet_timezone, daily_cap, updated_by)
    VALUES (${recipient}, ${preferences.channels.email}, ${q?.start ?? null}, ${q?.end ?? null},
            ${q?.timezone ?? null}, ${preferences.dailyCap}, ${actor})
    ON CONFLICT (recipient) DO UPDATE SET
      email_enabled = EXCLUDED.email_enabled, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
      quiet_timezone = EXCLUDED.quiet_timezone, daily_cap = EXCLUDED.daily_cap, updated_by = EXCLUDED.updated_by,
      updated_at = now()
    RETURNING recipient, email_enabled, quiet_start, quiet_end, quiet_timezone, daily_cap, updated_at,
              (xmax = 0) AS created`
  if (!row) throw new Error(`preferences of ${recipient} vanished after their upsert`)
  return { preferences: toPreferences(row), created: row.created }
}

/** False when the recipient had no preferences. */
export async function remove(db: Sql, recipient: string): Promise<boolean> {
  const rows = await db`DELETE FROM herald.recipient_preferences WHERE recipient = ${recipient} RETURNING 1`
  return rows.length > 0
}
