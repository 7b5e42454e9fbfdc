import { httpInstrumentationMiddleware } from '@hono/otel'
import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { pino } from 'pino'
import { artifactsRouter } from './artifacts/artifacts.index.js'
import { auditRouter } from './audit/audit.index.js'
import { codecRouter } from './codec/codec.index.js'
import { codecCors, withLocalUiCodec } from './codec/codec-access.js'
import { validationHook } from './create-router.js'
import type { AppBindings, AppDeps } from './deps.js'
import { destinationsRouter } from './destinations/destinations.index.js'
import { distributionListsRouter } from './distribution-lists/distribution-lists.index.js'
import { docsRouter } from './docs/docs.index.js'
import { renderError } from './error-mapping.js'
import { escalationRouter } from './escalation/escalation.index.js'
import { healthRouter } from './health/health.index.js'
import { actorForKey, apiKeyAuth } from './middleware/api-key-auth.js'
import { collectMetrics, HttpMetrics } from './middleware/metrics.js'
import { DEFAULT_RATE_LIMIT, rateLimit } from './middleware/rate-limit.js'
import { requestLog } from './middleware/request-log.js'
import { ProblemError, problemResponse } from './problems.js'
import { recipientPreferencesRouter } from './recipient-preferences/recipient-preferences.index.js'
import { runsRouter } from './runs/runs.index.js'
import { schedulesRouter } from './schedules/schedules.index.js'
import { requiredAccessFor } from './scopes.js'
import { smtpRouter } from './smtp/smtp.index.js'
import { suppressionsRouter } from './suppressions/suppressions.index.js'
import { unsubscribeRouter } from './unsubscribe/unsubscribe.index.js'

export const API_BASE = '/api/v1'
const MAX_BODY_BYTES = 1024 * 1024

/** The Herald HTTP API. Middleware, error mapping and routers are wired here and nowhere else. */
export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? pino({ level: deps.config.LOG_LEVEL, base: { service: 'herald-api' } })
  const metrics = new HttpMetrics()
  const app = new OpenAPIHono<AppBindings>({ strict: false, defaultHook: validationHook })
  const unscoped = deps.config.API_KEYS.filter((k) => !k.scopeWritten).map((k) => actorForKey(k.key))
  if (unscoped.length > 0)
    logger.warn({ keys: unscoped }, 'API keys without a scope are admin keys; write them as admin:<key>')

  // The request's span (a no-op unless tracing is on): Temporal calls made while answering carry it to the workflows.
  app.use('*', httpInstrumentationMiddleware({ captureActiveRequests: false }))
  app.use('*', requestId({ headerName: 'X-Request-Id' }))
  app.use('*', async (c, next) => {
    c.set('deps', deps)
    c.set('metrics', metrics)
    c.set('logger', logger)
    await next()
  })
  app.use('*', requestLog(logger))
  app.use('*', collectMetrics(metrics))
  app.use('*', secureHeaders())
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError('payloadTooLarge', `request body exceeds ${MAX_BODY_BYTES} bytes`)
      },
    }),
  )
  // The Temporal UI calls the codec from the browser; its preflight carries no key, so CORS answers it first.
  app.use(`${API_BASE}/codec/*`, codecCors(deps.config))
  app.use(
    `${API_BASE}/*`,
    apiKeyAuth(deps.config.API_KEYS, withLocalUiCodec(deps.config, API_BASE, requiredAccessFor(app))),
  )
  app.use(`${API_BASE}/*`, rateLimit(deps.rateLimit ?? DEFAULT_RATE_LIMIT))

  app.notFound((c) => problemResponse(c, 'notFound', `no route for ${c.req.method} ${c.req.path}`))
  app.onError((err, c) => renderError(err, c))

  const routers = [
    healthRouter,
    schedulesRouter,
    escalationRouter,
    runsRouter,
    distributionListsRouter,
    destinationsRouter,
    recipientPreferencesRouter,
    suppressionsRouter,
    smtpRouter,
    unsubscribeRouter,
    artifactsRouter,
    codecRouter,
    auditRouter,
  ]
  for (const router of routers) app.route(API_BASE, router)
  app.route(API_BASE, docsRouter(app, API_BASE))
  return app
}

export type HeraldApp = ReturnType<typeof createApp>
