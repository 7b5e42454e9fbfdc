import type { Attachment } from '../../domain/report-data.js'
import { createArtifactSignature } from '../../security/signed-tokens.js'

/**
 * Which report files ride along in the message and which are sent as download links. Limits count the encoded
 * size: base64 turns every 3 bytes into 4, so a 25 MB file needs about 33 MB of message.
 */

export interface MailSizeLimits {
  maxAttachmentBytes: number
  maxMessageBytes: number
}

export const DEFAULT_MAIL_SIZE_LIMITS: MailSizeLimits = {
  maxAttachmentBytes: 25 * 1024 * 1024,
  maxMessageBytes: 100 * 1024 * 1024,
}

/** How long a download link in a mail stays valid. */
export const ATTACHMENT_LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000

export interface LinkedAttachment {
  attachment: Attachment
  url: string
  expiresAt: Date
}

export interface AttachmentPlan {
  attached: Attachment[]
  linked: LinkedAttachment[]
}

export function encodedSize(bytes: number): number {
  return Math.ceil(bytes / 3) * 4
}

export function artifactDownloadUrl(
  publicUrl: string,
  secret: string,
  artifactId: string,
  expiresAt: Date,
): string {
  const sig = createArtifactSignature(secret, artifactId, expiresAt)
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/artifacts/${encodeURIComponent(artifactId)}?sig=${encodeURIComponent(sig)}`
}

/**
 * Attaches what fits: a file over the per-attachment limit becomes a link, then the largest remaining files
 * become links until the whole message (body included) fits the message limit.
 */
export function planAttachments(
  attachments: Attachment[],
  options: { limits: MailSizeLimits; bodyBytes: number; publicUrl: string; secret: string; now: Date },
): AttachmentPlan {
  const expiresAt = new Date(options.now.getTime() + ATTACHMENT_LINK_TTL_MS)
  const link = (attachment: Attachment): LinkedAttachment => ({
    attachment,
    url: artifactDownloadUrl(options.publicUrl, options.secret, attachment.artifactId, expiresAt),
    expiresAt,
  })
  const attached: Attachment[] = []
  const linked: LinkedAttachment[] = []
  for (const a of attachments) {
    if (encodedSize(a.size) > options.limits.maxAttachmentBytes) linked.push(link(a))
    else attached.push(a)
  }
  let total = options.bodyBytes + attached.reduce((sum, a) => sum + encodedSize(a.size), 0)
  const bySizeDesc = [...attached].sort((a, b) => b.size - a.size)
  for (const a of bySizeDesc) {
    if (total <= options.limits.maxMessageBytes) break
    attached.splice(attached.indexOf(a), 1)
    linked.push(link(a))
    total -= encodedSize(a.size)
  }
  return { attached, linked }
}
