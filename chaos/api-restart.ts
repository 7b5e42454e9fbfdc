import { chaosSpec } from './chaos-schedules.js'
import { sleep, waitUntil } from './child-service.js'
import { emptyAudit, type Scenario } from './scenario.js'
import { API_KEY } from './stack.js'

/**
 * 5) The API process is SIGKILLed and restarted while several `POST /schedules` with the same Idempotency-Key are
 * in flight; every client retries until it gets an answer. Exactly one schedule row and one workflow must exist.
 */
export const apiRestart: Scenario = {
  name: 'api-restart',
  title: 'API restarted during POST /schedules with one Idempotency-Key',
  async run(ctx) {
    const { stack, random, log } = ctx
    const audit = emptyAudit('api-restart')
    const rounds = ctx.short ? 2 : 5
    const clients = 6
    await stack.api.start()
    // Started at boot: after the Temporal restarts its client may still be backing off; give it a moment.
    const ready = () =>
      fetch(`http://127.0.0.1:${stack.apiPort}/api/v1/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    await waitUntil('API ready', ready, 15_000, 500).catch(() => stack.api.restart())
    for (let round = 0; round < rounds; round++) {
      const key = `chaos-${random.seed}-${round}-${Date.now()}`
      const spec = chaosSpec('api-restart', `chaos api-restart round ${round}`, 10, ['a@example.com'])
      // Yearly: this scenario is about creation, not delivery.
      spec.cron = '0 0 1 1 *'
      const began = new Date()
      let kills = 0
      const post = async (): Promise<string> => {
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            const res = await fetch(`http://127.0.0.1:${stack.apiPort}/api/v1/schedules`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${API_KEY}`,
                'content-type': 'application/json',
                'idempotency-key': key,
              },
              body: JSON.stringify(spec),
              signal: AbortSignal.timeout(15_000),
            })
            const body = (await res.json()) as { id?: string; detail?: string }
            if ((res.status === 200 || res.status === 201) && body.id) return body.id
            audit.notes.push(`round ${round}: HTTP ${res.status} ${body.detail ?? ''}`.trim())
          } catch {
            // Connection refused or reset while the API is down: retry like a client would.
          }
          await sleep(250)
        }
        throw new Error('POST /schedules never succeeded')
      }
      const requests = Array.from({ length: clients }, async (_, i) => {
        await sleep(random.int(0, 300) + i * 20)
        return post()
      })
      const chaos = (async () => {
        for (let k = 0; k < random.int(1, 2); k++) {
          await sleep(random.int(0, 400))
          await stack.api.kill()
          kills++
          await sleep(random.int(100, 1_500))
          await stack.api.start()
          // Started at boot: after the Temporal restarts its client may still be backing off; give it a moment.
          const ready = () =>
            fetch(`http://127.0.0.1:${stack.apiPort}/api/v1/readyz`).then(
              (r) => r.ok,
              () => false,
            )
          await waitUntil('API ready', ready, 15_000, 500).catch(() => stack.api.restart())
        }
      })()
      const [ids] = await Promise.all([Promise.all(requests), chaos])
      const distinctIds = [...new Set(ids)]
      const rows = await stack.db<{ id: string }[]>`
        SELECT id FROM herald.schedules WHERE idempotency_key = ${key} OR (created_at >= ${began} AND name = ${spec.name})`
      await sleep(1_000) // visibility is eventually consistent
      const workflows: string[] = []
      for await (const wf of stack.client.workflow.list({
        query: `WorkflowType = 'reportSchedule' AND ExecutionStatus = 'Running' AND StartTime >= '${began.toISOString()}'`,
      }))
        workflows.push(wf.workflowId)
      const expectedWorkflow = `schedule/${rows[0]?.id}`
      const ok =
        distinctIds.length === 1 &&
        rows.length === 1 &&
        rows[0]!.id === distinctIds[0] &&
        workflows.length === 1 &&
        workflows[0] === expectedWorkflow
      log(
        `round ${round}: ${kills} API kills, ${ids.length} answers → ids ${distinctIds.join(',')}; rows ${rows.length}; running workflows ${workflows.join(',') || 'none'}`,
      )
      audit.runs++
      audit.recipients += clients
      if (ok) audit.deliveredOnce += clients
      else {
        const extra = Math.max(rows.length - 1, workflows.length - 1, distinctIds.length - 1, 0)
        audit.duplicates += extra
        if (rows.length === 0 || workflows.length === 0) audit.lost++
        audit.evidence.push(
          `round ${round} key ${key}: answers ${distinctIds.join(',')}, rows ${rows.map((r) => r.id).join(',')}, workflows ${workflows.join(',')}`,
        )
      }
      for (const wf of workflows) await stack.client.workflow.getHandle(wf).terminate('chaos round finished')
    }
    audit.notes.push(
      `${rounds} rounds × ${clients} concurrent POSTs, API SIGKILLed ${stack.api.kills} time(s)`,
    )
    await stack.api.stop()
    return audit
  },
}
