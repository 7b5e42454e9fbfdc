import { inspect } from 'node:util'

/**
 * A start-up failure as text a person can act on: the message and each cause under it. Never `undefined`, also
 * for a promise rejected without a reason, an error with an empty message (Node's AggregateError from a dual-stack
 * connect has one) or a thrown string.
 */
export function describeStartupError(err: unknown): string {
  const parts: string[] = []
  const seen = new Set<unknown>()
  for (let current: unknown = err; current !== undefined && !seen.has(current) && parts.length < 6; ) {
    seen.add(current)
    const text = describeOne(current)
    // A wrapper often repeats its cause's message; say each thing once.
    if (!parts.some((p) => p.includes(text))) parts.push(text)
    current = current instanceof Error ? current.cause : undefined
  }
  if (parts.length === 0)
    return 'start-up failed without an error message (a promise was rejected with no reason)'
  return parts.join('\n  caused by: ')
}

function describeOne(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    const inner = [...new Set(err.errors.map(describeOne))].join('; ')
    return err.message ? `${err.message}: ${inner}` : inner
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    if (err.message) return err.message
    return (
      [err.name !== 'Error' ? err.name : undefined, code].filter(Boolean).join(' ') ||
      'an error without a message'
    )
  }
  if (err === undefined || err === null) return 'a failure without a reason'
  if (typeof err === 'string') return err || 'an empty error message'
  return inspect(err, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
}
