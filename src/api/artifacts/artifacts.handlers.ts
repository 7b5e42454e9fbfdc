import { Readable } from 'node:stream'
import type { RouteHandler } from '@hono/zod-openapi'
import { verifyArtifactSignature } from '../../security/signed-tokens.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import { tokenSecret } from '../token-secret.js'
import type { DownloadRoute } from './artifacts.routes.js'

/** RFC 6266 filename: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

const gone = () =>
  new ProblemError(
    'gone',
    'the file has expired and was deleted under the retention policy; ask for a new link',
  )

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
  // The signature is genuine, so Herald made this file: if it is past its expiry or gone, it expired (410, not 404).
  const meta = await artifacts.stat(id)
  if (!meta || Date.parse(meta.expiresAt) <= Date.now()) throw gone()
  const stream = await artifacts.open(id).catch((err: NodeJS.ErrnoException) => {
    // Deleted between the lookup and the read (a cleanup pass), or by hand.
    if (err.code === 'ENOENT' || /unknown artifact/.test(err.message)) throw gone()
    throw err
  })
  return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
    'Content-Type': meta.contentType,
    'Content-Length': String(meta.size),
    'Content-Disposition': contentDisposition(meta.filename),
    'Cache-Control': 'private, no-store',
  })
}
