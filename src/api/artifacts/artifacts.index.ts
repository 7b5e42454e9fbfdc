import { createRouter } from '../create-router.js'
import * as handlers from './artifacts.handlers.js'
import * as routes from './artifacts.routes.js'

export const artifactsRouter = createRouter().openapi(routes.download, handlers.download)
