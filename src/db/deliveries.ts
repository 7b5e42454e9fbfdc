import type { ReservedSql, Sql } from 'postgres'
import type { DeliveryStatus } from '../domain/delivery.js'
import type { DeliveryChannel } from '../domain/destination.js'

/**
 * herald.deliveries: one row per (schedule, fire time, recipient), claimed before anything is sent, written by the
 * worker's delivery ledger and read by the API with each run.
 */

export interface DeliveryRow {
  recipient: string
  status: DeliveryStatus
  message_id: string | null
  smtp_reply: string | null
  attempts: number
}

export interface RunDeliveryRow extends DeliveryRow {
  channel: DeliveryChannel
  updated_at: Date
}

/** The (schedule, fire time) a delivery belongs to. */
export interface DeliveryTick {
  scheduleId: string
  fireTime: Date
}

export interface DeliveryClaimRow {
  recipient: string
  runId: string
  status: DeliveryStatus
  messageId: string | null
  smtpReply: string | null
}

export async function ofRecipients(
  db: Sql,
  tick: DeliveryTick,
  recipients: string[],
): Promise<DeliveryRow[]> {
  return db<DeliveryRow[]>`
    SELECT recipient, status, message_id, smtp_reply, attempts FROM herald.deliveries
     WHERE schedule_id = ${tick.scheduleId} AND fire_time = ${tick.fireTime} AND recipient IN ${db(recipients)}`
}

/** Inserts the rows not there yet; an existing row keeps its status. Callers keep a batch under 65,535 parameters. */
export async function insertMissing(db: Sql, tick: DeliveryTick, claims: DeliveryClaimRow[]): Promise<void> {
  const rows = claims.map((c) => ({
    schedule_id: tick.scheduleId,
    fire_time: tick.fireTime,
    recipient: c.recipient,
    run_id: c.runId,
    status: c.status,
    message_id: c.messageId,
    smtp_reply: c.smtpReply,
  }))
  await db`
    INSERT INTO herald.deliveries ${db(rows, 'schedule_id', 'fire_time', 'recipient', 'run_id', 'status', 'message_id', 'smtp_reply')}
    ON CONFLICT (schedule_id, fire_time, recipient) DO NOTHING`
}

/**
 * Claims the row of one destination (its id is the recipient, its idempotency key the message id) and returns it as
 * it now stands: a row an earlier attempt settled keeps its status.
 */
export async function claimDestination(
  db: Sql,
  tick: DeliveryTick,
  claim: { destinationId: string; runId: string; channel: DeliveryChannel; idempotencyKey: string },
): Promise<DeliveryRow> {
  await db`
    INSERT INTO herald.deliveries (schedule_id, fire_time, recipient, run_id, status, message_id, channel)
    VALUES (${tick.scheduleId}, ${tick.fireTime}, ${claim.destinationId}, ${claim.runId}, 'pending',
            ${claim.idempotencyKey}, ${claim.channel})
    ON CONFLICT (schedule_id, fire_time, recipient) DO NOTHING`
  const [row] = await ofRecipients(db, tick, [claim.destinationId])
  if (!row) throw new Error(`delivery row of ${claim.destinationId} vanished after its claim`)
  return row
}

/** Suppressed since an earlier attempt: only a recipient not yet mailed (or failed) changes. */
export async function markSuppressed(
  db: Sql,
  tick: DeliveryTick,
  recipient: string,
  smtpReply: string | null,
): Promise<void> {
  await db`
    UPDATE herald.deliveries SET status = 'suppressed', smtp_reply = ${smtpReply}, updated_at = now()
     WHERE schedule_id = ${tick.scheduleId} AND fire_time = ${tick.fireTime}
       AND recipient = ${recipient} AND status IN ('pending', 'failed', 'sending')`
}

/** Marks the row as being sent; undefined when it is no longer sendable (finished by an earlier attempt). */
export async function markSending(
  db: Sql,
  tick: DeliveryTick,
  send: { recipient: string; runId: string; messageId: string },
): Promise<DeliveryRow | undefined> {
  const [row] = await db<DeliveryRow[]>`
    UPDATE herald.deliveries
       SET status = 'sending', attempts = attempts + 1, run_id = ${send.runId},
           message_id = coalesce(message_id, ${send.messageId}), updated_at = now()
     WHERE schedule_id = ${tick.scheduleId} AND fire_time = ${tick.fireTime} AND recipient = ${send.recipient}
       AND status IN ('pending', 'failed', 'sending')
    RETURNING recipient, status, message_id, smtp_reply, attempts`
  return row
}

export async function markOutcome(
  db: Sql,
  tick: DeliveryTick,
  outcome: { recipient: string; status: 'sent' | 'failed' | 'permanently_failed'; smtpReply: string | null },
): Promise<void> {
  await db`
    UPDATE herald.deliveries SET status = ${outcome.status}, smtp_reply = ${outcome.smtpReply}, updated_at = now()
     WHERE schedule_id = ${tick.scheduleId} AND fire_time = ${tick.fireTime} AND recipient = ${outcome.recipient}`
}

export async function ofRun(db: Sql, runId: string): Promise<RunDeliveryRow[]> {
  return db<RunDeliveryRow[]>`
    SELECT recipient, channel, status, message_id, smtp_reply, attempts, updated_at
    FROM herald.deliveries WHERE run_id = ${runId} ORDER BY recipient`
}

/** One lock per tick for its mail; `part` (a destination id) gives each destination of the tick a lock of its own. */
const lockKey = (tick: DeliveryTick, part?: string) =>
  `herald.deliveries:${tick.scheduleId}:${tick.fireTime.toISOString()}${part ? `:${part}` : ''}`

/**
 * A session advisory lock for this (schedule, fire time) on a reserved connection: false when another session
 * holds it. It lasts until unlockTick or until the connection dies with its worker.
 */
export async function tryLockTick(
  connection: ReservedSql,
  tick: DeliveryTick,
  part?: string,
): Promise<boolean> {
  const [lock] = await connection<{ locked: boolean }[]>`
    SELECT pg_try_advisory_lock(hashtextextended(${lockKey(tick, part)}, 0)) AS locked`
  return lock?.locked === true
}

export async function unlockTick(connection: ReservedSql, tick: DeliveryTick, part?: string): Promise<void> {
  await connection`SELECT pg_advisory_unlock(hashtextextended(${lockKey(tick, part)}, 0))`
}

/** Deletes the ledger rows of runs the retention pass removes (their runs are older than the record retention). */
export async function deleteOfRuns(db: Sql, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0
  const result = await db`DELETE FROM herald.deliveries WHERE run_id = ANY(${runIds}::text[])`
  return result.count
}

/** Report mails sent to this recipient in [from, to), other than the given tick's own: what the daily cap counts. */
export async function sentToRecipientBetween(
  db: Sql,
  recipient: string,
  range: { from: Date; to: Date },
  except: DeliveryTick,
): Promise<number> {
  const [row] = await db<{ sent: number }[]>`
    SELECT count(*)::int AS sent FROM herald.deliveries
     WHERE recipient = ${recipient} AND channel = 'email' AND status = 'sent'
       AND updated_at >= ${range.from} AND updated_at < ${range.to}
       AND NOT (schedule_id = ${except.scheduleId} AND fire_time = ${except.fireTime})`
  return row?.sent ?? 0
}
