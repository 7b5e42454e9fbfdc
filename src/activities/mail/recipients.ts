import type { Database } from '../../db/client.js'
import * as distributionLists from '../../db/distribution-lists.js'
import * as suppressions from '../../db/suppressions.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import { addressProblem } from './message-validation.js'

/** Who a report goes to: the schedule's addresses plus distribution list members, deduplicated, minus suppressions. */

export type RecipientRole = 'to' | 'cc' | 'bcc' | 'list'

export interface Recipient {
  /** As written in the schedule or list; used on the wire. */
  email: string
  /** Lower-cased: the ledger and suppression key. */
  key: string
  role: RecipientRole
}

export interface ResolvedRecipients {
  /** Everyone to mail, in schedule order: to, cc, list members, bcc. */
  recipients: Recipient[]
  /** Members of distribution lists whose address cannot be mailed. */
  invalid: Array<Recipient & { reason: string }>
  /** Suppressed addresses with the reason (`unsubscribed`, `hard_bounce`, `manual`). */
  suppressed: Array<Recipient & { reason: string }>
  /** List ids or names in the schedule that no longer exist. */
  unknownLists: string[]
}

export const recipientKey = (email: string) => email.trim().toLowerCase()

export async function resolveRecipients(
  db: Database,
  scheduleId: string,
  recipients: ScheduleSpec['recipients'],
): Promise<ResolvedRecipients> {
  const { members, unknownLists } = await listMembers(db, recipients.lists)
  const seen = new Set<string>()
  const all: Recipient[] = []
  const invalid: ResolvedRecipients['invalid'] = []
  const add = (email: string, role: RecipientRole) => {
    const trimmed = email.trim()
    const key = recipientKey(trimmed)
    if (seen.has(key)) return
    seen.add(key)
    // Schedule addresses were validated with the schedule; a bad list member must not block everyone else.
    const problem = role === 'list' ? addressProblem(trimmed) : undefined
    if (problem) invalid.push({ email: trimmed, key, role, reason: problem })
    else all.push({ email: trimmed, key, role })
  }
  for (const email of recipients.to) add(email, 'to')
  for (const email of recipients.cc) add(email, 'cc')
  for (const email of members) add(email, 'list')
  for (const email of recipients.bcc) add(email, 'bcc')

  const reasons = await suppressions.reasonsFor(
    db,
    scheduleId,
    all.map((r) => r.key),
  )
  const suppressed: ResolvedRecipients['suppressed'] = []
  const deliverable: Recipient[] = []
  for (const r of all) {
    const reason = reasons.get(r.key)
    if (reason) suppressed.push({ ...r, reason })
    else deliverable.push(r)
  }
  return { recipients: deliverable, invalid, suppressed, unknownLists }
}

async function listMembers(
  db: Database,
  lists: string[],
): Promise<{ members: string[]; unknownLists: string[] }> {
  if (lists.length === 0) return { members: [], unknownLists: [] }
  const rows = await distributionLists.membersOfLists(db, lists)
  const found = new Set(rows.flatMap((r) => [r.id, r.name]))
  return {
    members: rows.flatMap((r) => (r.email ? [r.email] : [])),
    unknownLists: lists.filter((l) => !found.has(l)),
  }
}

/** A hard bounce suppresses the address for every schedule: the mailbox does not exist. */
export async function suppressHardBounce(db: Database, email: string, detail: string): Promise<void> {
  await suppressions.add(db, {
    email: recipientKey(email),
    scheduleId: '',
    reason: 'hard_bounce',
    detail: detail.slice(0, 1000),
  })
}
