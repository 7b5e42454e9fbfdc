import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppBindings } from '../deps.js'

/**
 * One JSON line per request. Only the path is logged: query strings carry unsubscribe tokens and artifact
 * signatures, and headers carry API keys.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppBindings> {
  return async (c, next) => {
    const started = performance.now()
    const log = logger.child({ reqId: c.get('requestId') })
    c.set('logger', log)
    await next()
    const status = c.res.status
    const entry = {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      actor: c.get('actor'),
    }
    if (status >= 500) log.error(entry, 'request failed')
    else log.info(entry, 'request')
  }
}
