import { createRouter } from '../create-router.js'
import * as handlers from './suppressions.handlers.js'
import * as routes from './suppressions.routes.js'

export const suppressionsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.remove, handlers.remove)
