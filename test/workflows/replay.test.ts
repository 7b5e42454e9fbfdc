import { readdir, readFile } from 'node:fs/promises'
import proto from '@temporalio/proto'
import { Worker } from '@temporalio/worker'
import { describe, expect, it } from 'vitest'
import { workflowBundle } from '../support/temporal.js'

const dir = new URL('../fixtures/histories/', import.meta.url)
const files = (await readdir(dir)).filter((f) => f.endsWith('.binpb')).sort()

describe('replay of recorded histories (determinism guard)', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  it.each(files)('%s replays without non-determinism', async (file) => {
    const history = proto.temporal.api.history.v1.History.decode(await readFile(new URL(file, dir)))
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file),
    ).resolves.toBeUndefined()
  })
})
