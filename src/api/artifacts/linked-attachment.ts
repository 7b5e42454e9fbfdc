import { z } from '@hono/zod-openapi'
import { attachmentSchema } from '../../domain/report-data.js'

/** A rendered file as the API shows it: the domain's attachment plus a signed link to download it. */
export const linkedAttachmentSchema = attachmentSchema.extend({
  url: z.string().nullable().openapi({
    description:
      'Signed download link, valid for one hour or until the file expires if that is sooner; null once the file has expired (ARTIFACT_RETENTION_DAYS)',
  }),
})
