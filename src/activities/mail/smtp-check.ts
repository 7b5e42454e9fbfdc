import type { Mailer } from './smtp-transport.js'

/** The API's SMTP checks, run on the worker's own mailer: /smtp/verify tests exactly what reports will use. */
export function createSmtpCheckActivities({ mailer }: { mailer: Mailer }) {
  return {
    async verifySmtpConnection(): Promise<{ detail: string }> {
      await mailer.verify()
      return { detail: 'connection and login accepted' }
    },
    async sendSmtpTestMail({ to }: { to: string }): Promise<{ messageId?: string; reply?: string }> {
      const sent = await mailer.send({
        to,
        subject: 'Herald SMTP test',
        text: 'This is a test message from Herald. If you can read it, report mail will reach this address.',
      })
      return { messageId: sent.messageId, reply: sent.response }
    },
  }
}
