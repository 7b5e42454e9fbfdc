import { Readable } from 'node:stream'
import type { RouteHandler } from '@hono/zod-openapi'
import { verifyArtifactSignature } from '../../security/signed-tokens.js'
import type { AppBindings } from '../deps.js'
import { notFound, ProblemError } from '../problems.js'
import { tokenSecret } from '../token-secret.js'
import type { DownloadRoute } from './artifacts.routes.js'

/** RFC 6266 filename: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

export const download: RouteHandler<DownloadRoute, AppBindings> = async (c) => {
  const { config, artifacts } = c.var.deps
  const { id } = c.req.valid('param')
  const { sig } = c.req.valid('query')
  const secret = tokenSecret(config)
  const verdict = secret
    ? verifyArtifactSignature(secret, id, sig)
    : { ok: false as const, reason: 'invalid' }
  if (!verdict.ok) {
    throw new ProblemError(
      'forbidden',
      verdict.reason === 'expired' ? 'the download link has expired' : 'the download link is not valid',
    )
  }
  const meta = await artifacts.stat(id)
  if (!meta) throw notFound(`artifact ${id}`)
  const stream = await artifacts.open(id)
  return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
    'Content-Type': meta.contentType,
    'Content-Length': String(meta.size),
    'Content-Disposition': contentDisposition(meta.filename),
    'Cache-Control': 'private, no-store',
  })
}
