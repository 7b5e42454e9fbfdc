import { createRouter } from '../create-router.js'
import * as handlers from './codec.handlers.js'
import * as routes from './codec.routes.js'

export const codecRouter = createRouter()
  .openapi(routes.decode, handlers.decode)
  .openapi(routes.encode, handlers.encode)
