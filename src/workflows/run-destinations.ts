import { proxyActivities } from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import type { DestinationDeliveryInput, DestinationOutcome } from '../domain/destination-delivery.js'
import { DESTINATION_DELIVERY_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'

const { deliverToDestination } = proxyActivities<HeraldActivities>(DESTINATION_DELIVERY_POLICY)

/** Runs recorded before destinations existed replay without these activities. */
export const DESTINATIONS_PATCH = 'run-destinations'

/**
 * Posts the run to each destination, one activity each (by id only: the activity opens the URL and secrets). A
 * destination whose retries ran out is reported failed with the last failure; its ledger row keeps the last answer.
 */
export function postToDestinations(
  input: Omit<DestinationDeliveryInput, 'destinationId'>,
  destinationIds: string[],
): Promise<DestinationOutcome[]> {
  return Promise.all(
    destinationIds.map(async (destinationId): Promise<DestinationOutcome> => {
      try {
        return await deliverToDestination.executeWithOptions(
          { summary: `post to destination ${destinationId}` },
          [{ ...input, destinationId }],
        )
      } catch (err) {
        return { destinationId, status: 'failed', alreadySent: false, reply: failureMessage(err) }
      }
    }),
  )
}
