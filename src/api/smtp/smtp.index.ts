import { createRouter } from '../create-router.js'
import * as handlers from './smtp.handlers.js'
import * as routes from './smtp.routes.js'

export const smtpRouter = createRouter()
  .openapi(routes.verify, handlers.verify)
  .openapi(routes.sendTest, handlers.sendTest)
