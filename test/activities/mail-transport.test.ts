import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMailer, SmtpUrlError, smtpTransportOptions } from '../../src/activities/mail/smtp-transport.js'
import { TestSmtpServer } from '../support/smtp.js'

describe('smtpTransportOptions', () => {
  it('uses STARTTLS when offered on smtp://, with the submission port by default', () => {
    expect(smtpTransportOptions('smtp://mail.example.com')).toMatchObject({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: false,
      ignoreTLS: false,
      auth: undefined,
      pool: true,
      maxConnections: 5,
    })
  })

  it('requires or refuses STARTTLS on request', () => {
    expect(smtpTransportOptions('smtp://m.test:25?starttls=required')).toMatchObject({
      port: 25,
      requireTLS: true,
    })
    expect(smtpTransportOptions('smtp://m.test:25?starttls=never')).toMatchObject({ ignoreTLS: true })
    expect(() => smtpTransportOptions('smtp://m.test?starttls=maybe')).toThrow(SmtpUrlError)
  })

  it('uses implicit TLS and decoded credentials on smtps://', () => {
    expect(
      smtpTransportOptions('smtps://api%40corp:p%40ss%3Aw0rd@smtp.example.com?tlsRejectUnauthorized=false'),
    ).toMatchObject({
      port: 465,
      secure: true,
      requireTLS: false,
      auth: { user: 'api@corp', pass: 'p@ss:w0rd' },
      tls: { rejectUnauthorized: false },
    })
  })

  it('reads timeouts from the URL unless given explicitly', () => {
    const fromUrl = smtpTransportOptions('smtp://m.test?socketTimeout=5000&greetingTimeout=2000')
    expect(fromUrl).toMatchObject({ socketTimeout: 5000, greetingTimeout: 2000, connectionTimeout: 30_000 })
    const explicit = smtpTransportOptions('smtp://m.test?socketTimeout=5000', { timeouts: { socketMs: 700 } })
    expect(explicit).toMatchObject({ socketTimeout: 700 })
    expect(() => smtpTransportOptions('smtp://m.test?socketTimeout=soon')).toThrow(SmtpUrlError)
  })

  it('rejects other schemes and garbage', () => {
    expect(() => smtpTransportOptions('http://m.test')).toThrow(SmtpUrlError)
    expect(() => smtpTransportOptions('not a url')).toThrow(SmtpUrlError)
  })

  it('can turn pooling off', () => {
    expect(smtpTransportOptions('smtp://m.test', { pool: false })).not.toHaveProperty('pool')
  })
})

describe('createMailer', () => {
  const smtp = new TestSmtpServer()
  beforeAll(() => smtp.start())
  afterAll(() => smtp.stop())

  it('verifies the server and sends with the configured From', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'Herald <r@herald.test>' })
    try {
      await mailer.verify()
      const info = await mailer.send({ to: 'x@example.com', subject: 'hello', text: 'hi' })
      expect(info.response).toMatch(/^250/)
      expect(smtp.mailsTo('x@example.com')[0]!.parsed.from?.value).toEqual([
        { name: 'Herald', address: 'r@herald.test' },
      ])
    } finally {
      mailer.close()
    }
  })

  it('shares one pool per configuration until its last handle closes', async () => {
    const a = createMailer({ smtpUrl: smtp.url, from: 'r@herald.test' })
    const b = createMailer({ smtpUrl: smtp.url, from: 'r@herald.test' })
    a.close()
    await expect(a.send({ to: 'y@example.com', subject: 's', text: 't' })).rejects.toThrow('closed')
    await b.send({ to: 'y@example.com', subject: 's', text: 't' })
    b.close()
    expect(smtp.mailsTo('y@example.com')).toHaveLength(1)
  })

  it('closes a pooled connection once idle, before a server would drop it under a later delivery', async () => {
    const server = new TestSmtpServer({ socketTimeoutMs: 10_000 })
    await server.start()
    const mailer = createMailer({
      smtpUrl: server.url,
      from: 'r@herald.test',
      shared: false,
      timeouts: { idleMs: 200 },
    })
    try {
      await mailer.send({ to: 'idle@example.com', subject: 's', text: 't' })
      expect(server.closedConnections).toBe(0)
      await new Promise((r) => setTimeout(r, 1_000))
      expect(server.closedConnections).toBe(1)
      // The next delivery simply opens a new connection.
      await mailer.send({ to: 'idle@example.com', subject: 's', text: 't' })
      expect(server.mailsTo('idle@example.com')).toHaveLength(2)
    } finally {
      mailer.close()
      await server.stop()
    }
  })

  it('fails verify against a server that refuses connections', async () => {
    smtp.faults.onConnect = () => ({ code: 554, message: 'go away' })
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'r@herald.test', shared: false })
    try {
      await expect(mailer.verify()).rejects.toMatchObject({ responseCode: 554 })
    } finally {
      mailer.close()
      smtp.faults = {}
    }
  })
})
