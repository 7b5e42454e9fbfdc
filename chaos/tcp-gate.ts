import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP forwarder on a fixed port in front of the test SMTP server. Closing it makes the mail server "down" for
 * real (connection refused, open connections cut), which the SMTP server's own fault hooks cannot do.
 */
export class TcpGate {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor(
    readonly port: number,
    private readonly target: () => number,
  ) {}

  get isOpen(): boolean {
    return this.server !== undefined
  }

  async open(): Promise<void> {
    if (this.server) return
    const server = createServer((client) => {
      const upstream = connect({ port: this.target(), host: '127.0.0.1' })
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.once('close', () => this.sockets.delete(s))
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.server = server
  }

  /** Refuses new connections and cuts every open one. */
  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    for (const s of this.sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
}
