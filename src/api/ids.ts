import { randomBytes } from 'node:crypto'

// 32 symbols without look-alikes (no l, o, 0, 1), so every byte maps evenly onto 5 bits.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'

/** A short random id with a type prefix, e.g. `sch_k3v9x2m4q7p8hz5t` (80 bits of randomness). */
export function newId(prefix: 'sch' | 'dl'): string {
  const bytes = randomBytes(16)
  let id = ''
  for (const byte of bytes) id += ALPHABET[byte & 31]
  return `${prefix}_${id}`
}
