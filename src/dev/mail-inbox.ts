import { MailDev } from 'maildev'

export interface MailInbox {
  smtpUrl: string
  webUrl: string
  stop(): Promise<void>
}

/** MailDev: a local SMTP sink with a web inbox, so every mail Herald sends can be read in the browser. */
export async function startMailInbox(options: {
  smtpPort: number
  webPort: number
  mailDirectory: string
}): Promise<MailInbox> {
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: options.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: options.mailDirectory,
    mcp: false,
    silent: true,
  })
  await maildev.start()
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl: `http://localhost:${options.webPort}`,
    stop: () => maildev.stop(),
  }
}
