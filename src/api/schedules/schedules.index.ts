import { createRouter } from '../create-router.js'
import * as handlers from './schedules.handlers.js'
import * as routes from './schedules.routes.js'

export const schedulesRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.pause, handlers.pause)
  .openapi(routes.resume, handlers.resume)
  .openapi(routes.trigger, handlers.trigger)
  .openapi(routes.skipNext, handlers.skipNext)
  .openapi(routes.preview, handlers.preview)
  .openapi(routes.dataReady, handlers.dataReady)
