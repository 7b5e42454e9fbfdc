import { customAlphabet } from 'nanoid'

// 32 symbols without look-alikes (no l, o, 0, 1): a power of two, so nanoid maps every random byte without bias.
const randomPart = customAlphabet('abcdefghijkmnpqrstuvwxyz23456789', 16)

/** A short random id with a type prefix, e.g. `sch_k3v9x2m4q7p8hz5t` (80 bits of randomness). */
export function newId(prefix: 'sch' | 'dl' | 'dst'): string {
  return `${prefix}_${randomPart()}`
}
