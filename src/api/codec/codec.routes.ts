import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Temporal codec']

/** One payload as the Temporal codec-server protocol carries it: proto JSON, bytes in base64. */
const MAX_PAYLOADS = 1_000
const base64 = z
  .string()
  .max(1024 * 1024)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64')

export const codecPayload = z
  .object({
    // Keys and sizes are the sender's; the request body limit (1 MB) bounds them.
    metadata: z.record(z.string(), base64).nullish(),
    data: base64.nullish(),
  })
  .openapi('CodecPayload', {
    example: { metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJ0byI6WyJjZW9AZXhhbXBsZS5jb20iXX0=' },
  })

const payloads = z.object({ payloads: z.array(codecPayload).max(MAX_PAYLOADS) }).openapi('CodecPayloads')

const request = {
  body: { content: { 'application/json': { schema: payloads } }, required: true },
}

const responses = (description: string) => ({
  200: { description, content: { 'application/json': { schema: payloads } } },
  ...problemResponses(400, 403, 413, 415, 422),
  ...protectedProblems(),
})

/**
 * The Temporal codec-server protocol (`POST {endpoint}/decode` and `/encode`) for the Temporal Web UI and CLI, so
 * an operator reads encrypted histories in clear. Reading everything Temporal stores is an operator's power: admin.
 */
export const decode = createRoute({
  method: 'post',
  path: '/codec/decode',
  tags,
  ...requiresScope('admin'),
  summary: 'Decrypt Temporal payloads (codec server for the Temporal UI)',
  description:
    'Payloads that are not encrypted come back unchanged. The Temporal UI calls it from the browser: CORS allows the origins in `CODEC_CORS_ORIGINS` (default: the Temporal UI URL). An `X-Namespace` header (the UI and CLI send one) must name Herald’s namespace, else 403.',
  request,
  responses: responses('The payloads, decrypted'),
})

export const encode = createRoute({
  method: 'post',
  path: '/codec/encode',
  tags,
  ...requiresScope('admin'),
  summary: 'Encrypt Temporal payloads (codec server for the Temporal UI and CLI)',
  description:
    'Used when the UI or CLI sends data to a workflow (signal, start). Without `PAYLOAD_ENCRYPTION_KEYS` the payloads come back unchanged.',
  request,
  responses: responses('The payloads, encrypted with the first key'),
})

export type DecodeRoute = typeof decode
export type EncodeRoute = typeof encode
