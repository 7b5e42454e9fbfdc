import type { Sql } from 'postgres'
import * as destinations from '../../db/destinations.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import { validationFailed } from '../problems.js'

/** A schedule may name only destinations that exist (POST /destinations): a 422 names each unknown one. */
export async function assertKnownDestinations(
  db: Sql,
  spec: Pick<ScheduleSpec, 'destinations'>,
): Promise<void> {
  const ids = spec.destinations ?? []
  if (ids.length === 0) return
  const known = await destinations.existing(db, ids)
  const unknown = ids.flatMap((id, i) =>
    known.has(id) ? [] : [{ path: `destinations.${i}`, message: `no destination ${id} exists` }],
  )
  if (unknown.length > 0) throw validationFailed(unknown)
}
