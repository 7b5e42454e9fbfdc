import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import { API_SCOPES, type ApiScope } from '../security/api-keys.js'

/** What a route declares it needs: an API key with at least this scope, or nothing (`public`). */
export type RouteScope = ApiScope | 'public'

/** The OpenAPI extension that carries a route's scope into the document and to the API key middleware. */
export const SCOPE_FIELD = 'x-herald-scope'

/**
 * Spread into `createRoute`: the one place a route states the scope a key needs to call it. The OpenAPI document
 * shows it (as `x-herald-scope` and as the role in `security`); the API key middleware enforces it.
 */
export const requiresScope = (scope: ApiScope) => ({
  security: [{ bearerAuth: [scope] }],
  [SCOPE_FIELD]: scope,
})

/** Spread into `createRoute` for routes anyone may call: probes, docs, and links that carry a signed token. */
export const publicRoute = { security: [], [SCOPE_FIELD]: 'public' as const }

/**
 * What the request in `c` needs: the scope its route declares; `undeclared` for a route that declares none (every
 * key is refused, so a forgotten declaration fails closed); `unrouted` when no route matches (a 404 follows).
 */
export type RequiredAccess = RouteScope | 'undeclared' | 'unrouted'

const isRouteScope = (value: unknown): value is RouteScope =>
  value === 'public' || (API_SCOPES as readonly unknown[]).includes(value)

const routeKey = (method: string, honoPath: string) => `${method.toUpperCase()} ${honoPath}`

/**
 * Looks up the scope of the route Hono matched for a request, from the routes registered on `app` (read at the
 * first request: Hono accepts no route after that). Routes added without `openapi()` are undeclared.
 */
export function requiredAccessFor(app: Pick<OpenAPIHono, 'openAPIRegistry'>): (c: Context) => RequiredAccess {
  let scopes: Map<string, RouteScope> | undefined
  const load = () => {
    const table = new Map<string, RouteScope>()
    for (const definition of app.openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue
      const declared = (definition.route as Record<string, unknown>)[SCOPE_FIELD]
      if (!isRouteScope(declared)) continue
      // The same conversion @hono/zod-openapi applies when it registers the route with Hono.
      table.set(
        routeKey(definition.route.method, definition.route.path.replaceAll(/\{([^}]+)\}/g, ':$1')),
        declared,
      )
    }
    return table
  }
  return (c) => {
    // Middleware is registered for every method ('ALL'); the first route bound to a method is the one that answers.
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL')
    if (!route) return 'unrouted'
    scopes ??= load()
    return scopes.get(routeKey(route.method, route.path)) ?? 'undeclared'
  }
}
