import { readdir, readFile, readlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import { programName } from './process-identity.js'

/** A port `npm start` needs, the component that binds it, and the setting that moves it. */
export interface NeededPort {
  port: number
  component: string
  setting: string
  /** The address the component binds; undefined means all interfaces (like the API). */
  host?: string
}

export class PortInUseError extends Error {
  override name = 'PortInUseError'
}

/**
 * Fails with one line per taken port (which port, which program if known, which setting moves it) before anything
 * is started, instead of the component's own error from deep inside its start-up.
 */
export async function assertPortsFree(ports: NeededPort[]): Promise<void> {
  const problems: string[] = []
  for (const needed of ports) {
    const failure = await tryBind(needed.port, needed.host)
    if (!failure) continue
    if (failure === 'EACCES') {
      problems.push(
        `port ${needed.port} for the ${needed.component} needs privileges this user lacks (ports below 1024 do); set ${needed.setting} to another port`,
      )
      continue
    }
    const holder = await portHolder(needed.port)
    problems.push(
      `port ${needed.port} for the ${needed.component} is already in use by ${holder}; set ${needed.setting} to another port, or stop that program`,
    )
  }
  if (problems.length > 0) throw new PortInUseError(problems.join('\n'))
}

/** undefined when the port can be bound, else the error code (EADDRINUSE, EACCES, …). */
function tryBind(port: number, host: string | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

/** "node (pid 123)" for the process listening on `port`, found through /proc; or "an unknown program". */
export async function portHolder(port: number): Promise<string> {
  const inodes = await listeningSocketInodes(port)
  const pid = inodes.size > 0 ? await socketOwner(inodes) : undefined
  if (pid === undefined) return 'an unknown program'
  const name = await programName(pid)
  return `${name ?? 'a program'} (pid ${pid})`
}

const TCP_LISTEN = '0A'

/** Inodes of the sockets in LISTEN state on `port`, any address, IPv4 and IPv6. */
async function listeningSocketInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/)
      const localPort = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16)
      if (localPort === port && fields[3] === TCP_LISTEN && fields[9] && fields[9] !== '0')
        inodes.add(fields[9])
    }
  }
  return inodes
}

/** The pid with an open file descriptor on one of these sockets (only processes this user may inspect). */
async function socketOwner(inodes: Set<string>): Promise<number | undefined> {
  const links = new Set([...inodes].map((inode) => `socket:[${inode}]`))
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name))
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      if (links.has(link)) return Number(pid)
    }
  }
  return undefined
}
