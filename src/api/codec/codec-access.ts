import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { Config } from '../../config.js'
import type { AppBindings } from '../deps.js'
import type { RequiredAccess } from '../scopes.js'

/**
 * Who may call the codec endpoint from a browser, and the one case that needs no API key. The Temporal UI calls the
 * endpoint from the operator's browser; the dev UI of `npm start` has no login and so cannot send a key.
 */

export const CODEC_PATH_PREFIX = '/codec/'

/** `CODEC_CORS_ORIGINS`, else the origin of the Temporal UI (TEMPORAL_UI_URL). */
export function codecOrigins(config: Config): string[] {
  if (config.CODEC_CORS_ORIGINS.length > 0) return config.CODEC_CORS_ORIGINS
  if (config.TEMPORAL_UI_URL && URL.canParse(config.TEMPORAL_UI_URL))
    return [new URL(config.TEMPORAL_UI_URL).origin]
  return []
}

/** CORS for the codec routes, preflight included; it must run before API key checks (a preflight carries no key). */
export const codecCors = (config: Config): MiddlewareHandler<AppBindings> => {
  const origins = codecOrigins(config)
  return cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ['POST', 'OPTIONS'],
    // The UI sends X-Namespace, and Authorization when it forwards its access token.
    allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    credentials: true,
    maxAge: 600,
  })
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/

/** The peer's address as the Node server saw it; undefined in-process (app.request), which never counts as local. */
function remoteAddress(c: Context): string | undefined {
  const bindings = c.env as { incoming?: IncomingMessage } | undefined
  return bindings?.incoming?.socket?.remoteAddress
}

/**
 * `CODEC_AUTH=local-ui` (set by `npm start`): a codec call from this machine, from the dev UI's origin, needs no key.
 * Anything else (another host, another origin, any other route) needs a key as usual. Behind a reverse proxy on the
 * same host every caller looks local, so the setting is for the dev stack only.
 */
export function isLocalUiCodecCall(c: Context, config: Config, apiBase: string): boolean {
  if (config.CODEC_AUTH !== 'local-ui' || c.req.method !== 'POST') return false
  if (!c.req.path.startsWith(`${apiBase}${CODEC_PATH_PREFIX}`)) return false
  const origin = c.req.header('Origin')
  const address = remoteAddress(c)
  return (
    origin !== undefined &&
    codecOrigins(config).includes(origin) &&
    address !== undefined &&
    LOOPBACK.test(address)
  )
}

/** Wraps the API key middleware's scope lookup: a local dev-UI codec call is treated as public. */
export const withLocalUiCodec =
  (config: Config, apiBase: string, requiredAccess: (c: Context) => RequiredAccess) =>
  (c: Context): RequiredAccess =>
    isLocalUiCodecCall(c, config, apiBase) ? 'public' : requiredAccess(c)
