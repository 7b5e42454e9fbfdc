import { createRouter } from '../create-router.js'
import * as handlers from './escalation.handlers.js'
import * as routes from './escalation.routes.js'

export const escalationRouter = createRouter().openapi(routes.acknowledge, handlers.acknowledge)
