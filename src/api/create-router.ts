import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppBindings } from './deps.js'
import { fieldErrors, problemResponse } from './problems.js'

/** Every zod validation failure (body, query, params, headers) becomes one 422 problem naming the failing fields. */
export const validationHook = (
  result:
    | { success: true }
    | {
        success: false
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }
        target: string
      },
  c: Parameters<typeof problemResponse>[0],
) => {
  if (result.success) return undefined
  const errors = fieldErrors(result.error.issues)
  const where = result.target === 'json' ? 'body' : result.target
  return problemResponse(
    c,
    'validation',
    `invalid ${where}: ${errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`,
    { errors },
  )
}

export function createRouter() {
  return new OpenAPIHono<AppBindings>({ strict: false, defaultHook: validationHook })
}
