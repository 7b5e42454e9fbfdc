import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freeDevPorts, NpmStart, tempDataDir } from './npm-start.js'

describe('npm start with a port held by another program', () => {
  it.runIf(process.platform === 'linux')(
    'exits with one line naming the port, the program and pid holding it, and the setting that moves it',
    async () => {
      const dataDir = await tempDataDir()
      const ports = await freeDevPorts()
      const holder = createServer()
      await new Promise<void>((resolve) =>
        holder.listen(Number(ports.DEV_TEMPORAL_PORT), '127.0.0.1', resolve),
      )
      try {
        const start = NpmStart.launch(dataDir, ports)
        const { code } = await start.exited
        const program = (await readFile('/proc/self/comm', 'utf8')).trim() // "node" unless vitest renamed it
        expect(code).not.toBe(0)
        expect(start.output.trim().split('\n')).toEqual([
          `herald: port ${ports.DEV_TEMPORAL_PORT} for the Temporal dev server is already in use by ${program} (pid ${process.pid}); set DEV_TEMPORAL_PORT to another port, or stop that program`,
        ])
        // It failed before starting anything: no server was recorded.
        expect(existsSync(join(dataDir, 'processes', 'temporal.json'))).toBe(false)
        expect(existsSync(join(dataDir, 'processes', 'postgres.json'))).toBe(false)
      } finally {
        await new Promise((resolve) => holder.close(resolve))
        await rm(dataDir, { recursive: true, force: true })
      }
    },
  )
})
