import { createRouter } from '../create-router.js'
import * as handlers from './recipient-preferences.handlers.js'
import * as routes from './recipient-preferences.routes.js'

export const recipientPreferencesRouter = createRouter()
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.put, handlers.put)
  .openapi(routes.remove, handlers.remove)
