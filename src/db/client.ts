import postgres, { type Sql } from 'postgres'

export type Database = Sql

/** One pool per database URL; numeric and bigint come back as strings unless a caller converts them. */
export function connectDatabase(
  url: string,
  options: { max?: number; applicationName?: string } = {},
): Database {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'herald' },
  })
}

/** One round trip: whether the database answers. */
export async function ping(db: Database): Promise<void> {
  await db`SELECT 1`
}
