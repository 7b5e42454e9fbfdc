import { createRouter } from '../create-router.js'
import * as handlers from './destinations.handlers.js'
import * as routes from './destinations.routes.js'

export const destinationsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.sendTest, handlers.sendTest)
