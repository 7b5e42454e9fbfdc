import { createRouter } from '../create-router.js'
import * as handlers from './distribution-lists.handlers.js'
import * as routes from './distribution-lists.routes.js'

export const distributionListsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.listMembers, handlers.listMembers)
  .openapi(routes.addMember, handlers.addMember)
  .openapi(routes.removeMember, handlers.removeMember)
