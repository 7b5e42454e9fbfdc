// canonicalize 5 needs Node 22; Herald supports Node 20.19, so package.json keeps ^4 (the same RFC 8785 code).
import canonicalize from 'canonicalize'

/**
 * Whether a retried create carries the body stored under its Idempotency-Key: equal in RFC 8785 canonical JSON,
 * so key order does not matter. Nothing keeps the canonical text; it is compared here and dropped.
 */
export function sameSpec(stored: unknown, retried: unknown): boolean {
  try {
    return canonicalize(stored) === canonicalize(retried)
  } catch {
    // RFC 8785 refuses a lone surrogate; the stored body cannot hold one (PostgreSQL refuses it), so they differ.
    return false
  }
}
