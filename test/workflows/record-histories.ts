/**
 * Records workflow histories that the replay test replays against the current code, so a change that breaks
 * determinism for schedules already running in production fails the suite.
 * Run after an intentional, versioned workflow change: `npm run record:histories` (adds new files, keeps old ones).
 */
import { writeFile } from 'node:fs/promises'
import proto from '@temporalio/proto'
import {
  acknowledgeEscalationUpdate,
  dataReadySignal,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  skipNextSignal,
  skipNextUpdate,
  triggerNowSignal,
  triggerUpdate,
  updateScheduleUpdate,
} from '../../src/workflows/index.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import { result } from './fake-activities.js'
import { advanceUntil, baseSpec, cancelAndWait, createTestWorker } from './harness.js'

const version = process.argv[2] ?? 'v1'
// Binary protobuf: exactly what the server stores, independent of JSON encoders.
const encode = (history: proto.temporal.api.history.v1.IHistory) =>
  proto.temporal.api.history.v1.History.encode(history).finish()
const dir = new URL('../fixtures/histories/', import.meta.url)
// Unencrypted: the fixtures stay readable, and replay needs no key.
const env = await createTimeSkippingEnv({ encrypted: false })
try {
  const fingerprints = ['A', 'A', 'B', 'B', 'C']
  const { worker, calls, startSchedule } = await createTestWorker(env, {
    query: (_input, call) => result(call, fingerprints[(call - 1) % fingerprints.length]),
    // v7-quiet: the recipient is always in quiet hours, so each run defers its mail to a quiet-hours child.
    quietHours: () => [
      { recipient: 'team@example.com', quietHours: { start: '00:00', end: '23:59', timezone: 'UTC' } },
    ],
  })
  await worker.runUntil(async () => {
    // Timers across DST, children, conditions, grace period, all messages, the updates and continueAsNew.
    const spec = baseSpec({
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      condition: { type: 'resultsChanged' },
      renotifyGraceMinutes: 90,
      dataReady: { dataset: 'orders', deadlineMinutes: 20, onTimeout: 'run' },
      // v6: runs also post to destinations (patch run-destinations).
      destinations: ['dst_replayslack', 'dst_replayhook'],
      // v7: escalation (patch schedule-escalation); with resultsChanged, every send is an alert that counts.
      escalation: {
        countConditionAlerts: true,
        steps: [
          { afterConsecutive: 1, notify: { to: ['oncall@example.com'] } },
          { afterConsecutive: 2, notify: { lists: ['managers'] } },
        ],
      },
    })
    const handle = await startSchedule(spec, { scheduleId: `replay-${version}`, maxTicksPerExecution: 50 })
    await handle.signal(dataReadySignal, { dataset: 'orders', asOf: '2100-01-01T00:00:00Z' })
    await advanceUntil(env, () => calls.recordRunFinished.length >= 3, '1 hour', 6)
    // Runs 1 and 3 sent (alerts), run 2 did not (healthy): the episode of run 3 is open, its step 1 notified.
    await advanceUntil(env, () => calls.notifyEscalation.length >= 2, '1 second', 10)
    await handle.executeUpdate(acknowledgeEscalationUpdate, { args: [{ by: 'recorder', note: 'replay' }] })
    await handle.signal(skipNextSignal)
    await handle.signal(pauseSignal, { note: 'replay', by: 'recorder' })
    await handle.signal(triggerNowSignal, { by: 'recorder' })
    await env.sleep('2 hours')
    await handle.signal(resumeSignal, {})
    await handle.executeUpdate(triggerUpdate, { args: [{ by: 'recorder' }] })
    await handle.executeUpdate(updateScheduleUpdate, { args: [{ ...spec, cron: '30 * * * *' }] })
    // The API's updates (v4): each answers once the workflow has published its state.
    await handle.executeUpdate(skipNextUpdate, { args: [{ by: 'recorder' }] })
    await handle.executeUpdate(pauseUpdate, { args: [{ note: 'replay update', by: 'recorder' }] })
    await env.sleep('1 hour')
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'recorder' }] })
    await advanceUntil(env, () => calls.recordRunFinished.length >= 8, '1 hour', 8)
    const history = await handle.fetchHistory()
    await writeFile(new URL(`schedule-${version}.binpb`, dir), encode(history))
    const runId = calls.recordRunFinished.at(-1)!.runId
    const runHistory = await env.client.workflow.getHandle(runId).fetchHistory()
    await writeFile(new URL(`run-${version}.binpb`, dir), encode(runHistory))
    const deferred = env.client.workflow.getHandle(`${runId}/quiet-hours`)
    await deferred.result()
    await writeFile(new URL(`quiet-hours-${version}.binpb`, dir), encode(await deferred.fetchHistory()))
    await cancelAndWait(handle)
  })
  console.log(`recorded schedule-${version}.binpb, run-${version}.binpb and quiet-hours-${version}.binpb`)
} finally {
  await env.teardown()
}
