import { ApplicationFailure } from '@temporalio/common'
import type { Database } from '../../db/client.js'
import * as deliveries from '../../db/deliveries.js'
import type { DeliveryStatus } from '../../domain/delivery.js'

/**
 * herald.deliveries: one row per (schedule, fire time, recipient), claimed before anything is sent. The row's
 * status (DeliveryStatus, src/domain/delivery.ts) decides whether a retried or repeated delivery may mail that
 * recipient again.
 */

export const SENDABLE_STATUSES: ReadonlySet<DeliveryStatus> = new Set(['pending', 'failed', 'sending'])

export interface LedgerEntry {
  recipient: string
  status: DeliveryStatus
  messageId: string | null
  smtpReply: string | null
  attempts: number
}

export interface LedgerClaim {
  recipient: string
  status: 'pending' | 'suppressed' | 'permanently_failed'
  messageId: string | null
  smtpReply?: string
}

export interface DeliveryKey {
  scheduleId: string
  fireTime: string
  runId: string
}

const CHUNK = 2000

/**
 * `locks` must be a pool of its own: a lock holder keeps its connection for the whole delivery and needs further
 * connections from `db` for the ledger and attachments. Taking both from one pool deadlocks as soon as as many
 * deliveries run at once as the pool has connections (found by the tick-lateness benchmark at 100 schedules).
 */
export function deliveryLedger(db: Database, locks: Database, key: DeliveryKey) {
  const tick = { scheduleId: key.scheduleId, fireTime: new Date(key.fireTime) }

  /** The rows for these recipients as they stand. */
  async function read(recipients: string[]): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>()
    if (recipients.length === 0) return entries
    for (const row of await deliveries.ofRecipients(db, tick, recipients))
      entries.set(row.recipient, toEntry(row))
    return entries
  }

  return {
    /** Inserts missing rows and returns every row for these recipients as it now stands. */
    async claim(claims: LedgerClaim[]): Promise<Map<string, LedgerEntry>> {
      const entries = new Map<string, LedgerEntry>()
      // Chunks keep each statement well under PostgreSQL's 65,535 parameters.
      for (let i = 0; i < claims.length; i += CHUNK) {
        const chunk = claims.slice(i, i + CHUNK)
        await deliveries.insertMissing(
          db,
          tick,
          chunk.map((c) => ({ ...c, runId: key.runId, smtpReply: c.smtpReply ?? null })),
        )
        // Suppressed since the last attempt (unsubscribed, bounced elsewhere): honour it for everyone not yet
        // mailed, and say why instead of keeping the earlier attempt's SMTP reply. Rare, so one row at a time.
        for (const c of chunk.filter((c) => c.status === 'suppressed')) {
          await deliveries.markSuppressed(db, tick, c.recipient, c.smtpReply ?? null)
        }
        for (const [recipient, entry] of await read(chunk.map((c) => c.recipient)))
          entries.set(recipient, entry)
      }
      return entries
    },

    read,

    /** Marks the row as being sent; undefined when it is no longer sendable (finished by an earlier attempt). */
    async markSending(recipient: string, messageId: string): Promise<LedgerEntry | undefined> {
      const row = await deliveries.markSending(db, tick, { recipient, runId: key.runId, messageId })
      return row && toEntry(row)
    },

    async markOutcome(
      recipient: string,
      status: 'sent' | 'failed' | 'permanently_failed',
      smtpReply: string | null,
    ): Promise<void> {
      await deliveries.markOutcome(db, tick, { recipient, status, smtpReply })
    },

    /**
     * Runs `work` while holding a session advisory lock for this (schedule, fire time), so a zombie attempt that
     * Temporal already gave up on cannot mail the same recipients concurrently with its retry. The lock dies with
     * the connection if the worker does.
     */
    async exclusively<T>(work: () => Promise<T>): Promise<T> {
      // Waiting here for a lock connection, the activity stays alive through the worker's keep-alive heartbeats.
      const connection = await locks.reserve()
      try {
        if (!(await deliveries.tryLockTick(connection, tick))) {
          throw ApplicationFailure.create({
            type: 'DeliveryInProgress',
            message: `another attempt is delivering schedule ${key.scheduleId} at ${key.fireTime}`,
            nonRetryable: false,
          })
        }
        try {
          return await work()
        } finally {
          await deliveries.unlockTick(connection, tick)
        }
      } finally {
        connection.release()
      }
    },
  }
}

export type DeliveryLedger = ReturnType<typeof deliveryLedger>

function toEntry(row: deliveries.DeliveryRow): LedgerEntry {
  return {
    recipient: row.recipient,
    status: row.status,
    messageId: row.message_id,
    smtpReply: row.smtp_reply,
    attempts: row.attempts,
  }
}
