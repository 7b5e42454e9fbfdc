import { z } from 'zod'

/**
 * Destinations beside email: a Slack channel, a Microsoft Teams channel or a signed webhook. The API validates
 * them with these schemas; their URLs, tokens and signing secrets are stored encrypted and read only by the
 * worker's activities. A schedule names destinations by id, so no secret ever reaches a workflow. What a run sends
 * to one is in destination-delivery.ts (apart, because the schedule spec imports this module).
 */

export const destinationKindSchema = z.enum(['slack', 'teams', 'webhook'])
export type DestinationKind = z.infer<typeof destinationKindSchema>

/** The delivery ledger's channel column: mail, or the kind of destination (its CHECK is tested against this). */
export const deliveryChannelSchema = z.enum(['email', ...destinationKindSchema.options])
export type DeliveryChannel = z.infer<typeof deliveryChannelSchema>

export const DESTINATION_ID = /^dst_[a-z0-9]{1,40}$/

export const destinationIdSchema = z
  .string()
  .regex(DESTINATION_ID, { message: 'must be a destination id like dst_k3v9x2m4q7p8hz5t' })

const NO_LINE_BREAKS = /^[^\r\n]*$/

/** http(s) only; whether plain http and private addresses are allowed is the worker's and API's setting. */
export const destinationUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    message: 'must be an https:// URL',
  })
  .refine((v) => !URL.canParse(v) || (new URL(v).username === '' && new URL(v).password === ''), {
    message: 'must not carry a user name or password',
  })

const destinationNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(NO_LINE_BREAKS, { message: 'name must not contain line breaks' })

/** Slack bot tokens start with xoxb- (or xoxp- for a user token); the Web API refuses anything else. */
const slackToken = z
  .string()
  .trim()
  .regex(/^xox[bp]-[A-Za-z0-9-]{10,250}$/, { message: 'must be a Slack bot token (xoxb-…)' })
const slackChannel = z
  .string()
  .trim()
  .regex(/^[#]?[A-Za-z0-9._-]{1,80}$/, { message: 'must be a channel id (C0123…) or name' })

/** Long enough that guessing it is hopeless; the receiver keeps the same value to check signatures. */
export const signingSecretSchema = z
  .string()
  .min(32, { message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)' })
  .max(256)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })

const slackDestination = z
  .object({
    kind: z.literal('slack'),
    name: destinationNameSchema,
    /** Incoming webhook: posts to the channel it was created for; files are linked. */
    webhookUrl: destinationUrlSchema.optional(),
    /** Bot token + channel: posts with chat.postMessage and uploads the files (files.uploadV2). */
    botToken: slackToken.optional(),
    channel: slackChannel.optional(),
  })
  .superRefine((d, ctx) => {
    const bot = d.botToken !== undefined || d.channel !== undefined
    if (d.webhookUrl && bot) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message: 'give either webhookUrl or botToken and channel, not both',
      })
    } else if (!d.webhookUrl && !bot) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message: 'webhookUrl or botToken and channel is required',
      })
    } else if (bot && !d.botToken) {
      ctx.addIssue({ code: 'custom', path: ['botToken'], message: 'botToken is required with channel' })
    } else if (bot && !d.channel) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'channel is required with botToken' })
    }
  })

const teamsDestination = z.object({
  kind: z.literal('teams'),
  name: destinationNameSchema,
  /** An incoming webhook or a Workflows ("When a Teams webhook request is received") URL. */
  webhookUrl: destinationUrlSchema,
})

const webhookDestination = z.object({
  kind: z.literal('webhook'),
  name: destinationNameSchema,
  url: destinationUrlSchema,
  /** Left out: the API generates one and returns it once, in the response that created the destination. */
  signingSecret: signingSecretSchema.optional(),
})

/** A new destination as the API receives it, secrets included. */
export const newDestinationSchema = z.discriminatedUnion('kind', [
  slackDestination,
  teamsDestination,
  webhookDestination,
])
export type NewDestination = z.infer<typeof newDestinationSchema>

/** What is encrypted at rest: every URL (a webhook URL is a credential), token and signing secret. */
export const destinationSecretsSchema = z.object({
  url: z.string().optional(),
  botToken: z.string().optional(),
  signingSecret: z.string().optional(),
})
export type DestinationSecrets = z.infer<typeof destinationSecretsSchema>

/** Splits a new destination into what may be shown (kind, name, channel) and what is encrypted. */
export function splitDestination(d: NewDestination): {
  secrets: DestinationSecrets
  channel: string | null
  url: string | undefined
} {
  switch (d.kind) {
    case 'slack':
      return {
        secrets: d.webhookUrl ? { url: d.webhookUrl } : { botToken: d.botToken },
        channel: d.channel ?? null,
        url: d.webhookUrl,
      }
    case 'teams':
      return { secrets: { url: d.webhookUrl }, channel: null, url: d.webhookUrl }
    case 'webhook':
      return { secrets: { url: d.url, signingSecret: d.signingSecret }, channel: null, url: d.url }
  }
}

/**
 * A URL as the API shows it: scheme and host, the first path segment only when more follow (a secret is usually
 * last, and a one-segment path may be all secret), then `/****`; no character of a later segment, query or fragment
 * (a Teams Workflows URL carries its signature in `sig=`).
 * `https://hooks.slack.com/services/T000/B000/XXXX` → `https://hooks.slack.com/services/****`.
 */
export function maskUrl(url: string): string {
  const parsed = new URL(url)
  const segments = parsed.pathname.split('/').filter(Boolean)
  const shown = segments.length > 1 ? `/${segments[0]}` : ''
  return `${parsed.origin}${shown}/****`
}

export const maskToken = (token: string) => `${token.slice(0, 5)}****`
