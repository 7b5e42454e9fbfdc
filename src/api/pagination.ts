import { z } from '@hono/zod-openapi'
import { validationFailed } from './problems.js'

/** Keyset pagination: the cursor is an opaque base64url JSON array of the sort key of the last item returned. */

export const MAX_PAGE_SIZE = 200
export const DEFAULT_PAGE_SIZE = 50

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ description: `Page size, at most ${MAX_PAGE_SIZE}` }),
  cursor: z.string().max(500).optional().openapi({ description: 'The `nextCursor` of the previous page' }),
})

export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (cursor === undefined) return undefined
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.length === length && key.every((k) => typeof k === 'string')) return key
  } catch {}
  throw validationFailed([{ path: 'cursor', message: 'is not a cursor returned by this API' }])
}

/** Given `limit + 1` rows, the page and the cursor for the next one. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string[]) {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}

export const nextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' })
