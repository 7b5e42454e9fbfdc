import { createRouter } from '../create-router.js'
import * as handlers from './runs.handlers.js'
import * as routes from './runs.routes.js'

export const runsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.listForSchedule, handlers.listForSchedule)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.stats, handlers.stats)
