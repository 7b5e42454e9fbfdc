import { createRouter } from '../create-router.js'
import * as handlers from './unsubscribe.handlers.js'
import * as routes from './unsubscribe.routes.js'

export const unsubscribeRouter = createRouter()
  .openapi(routes.confirmPage, handlers.confirmPage)
  .openapi(routes.oneClick, handlers.oneClick)
