import type { Mailer } from '../../activities/mail/smtp-transport.js'
import type { SmtpCheck } from '../deps.js'

/** The API's SMTP checks on the worker's own mailer, so /smtp/verify tests exactly what reports will use. */
export function smtpCheckFor(mailer: Mailer): SmtpCheck {
  return {
    async verify() {
      await mailer.verify()
      return { detail: 'connection and login accepted' }
    },
    async sendTest(to) {
      const sent = await mailer.send({
        to,
        subject: 'Herald SMTP test',
        text: 'This is a test message from Herald. If you can read it, report mail will reach this address.',
      })
      return { messageId: sent.messageId, reply: sent.response }
    },
  }
}
