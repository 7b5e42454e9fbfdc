import { spawn } from 'node:child_process'
import { ChaosStack } from '../chaos/stack.js'
import { freePort } from '../test/support/ports.js'

/**
 * Starts the real stack (Temporal dev server, embedded PostgreSQL, SMTP server, worker, API on a free port), runs
 * the command given after `--` with HERALD_API_URL and HERALD_API_KEY set, stops everything and exits with the
 * command's status. Used by fuzz/schemathesis.sh.
 */
async function main(): Promise<number> {
  const dash = process.argv.indexOf('--')
  const command = dash >= 0 ? process.argv.slice(dash + 1) : []
  if (command.length === 0) throw new Error('usage: tsx fuzz/api-stack.ts -- <command …>')
  const began = Date.now()
  const log = (line: string) => console.log(`[fuzz +${((Date.now() - began) / 1000).toFixed(1)}s] ${line}`)
  const stack = await ChaosStack.start({ temporalPort: await freePort(), taskQueue: 'herald-fuzz', log })
  let keep = process.env.FUZZ_KEEP === '1'
  try {
    await stack.api.start()
    const url = `http://127.0.0.1:${stack.apiPort}/api/v1`
    log(`API on ${url}; running ${command[0]}`)
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, HERALD_API_URL: url, HERALD_API_KEY: stack.apiKey },
    })
    const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)))
    if (code !== 0) {
      keep = true
      log(`API log kept in ${stack.dir}/api.log`)
    }
    return code
  } finally {
    await stack.shutdown(keep)
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(2)
  },
)
