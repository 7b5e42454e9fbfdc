import { describe, expect, it } from 'vitest'
import { newId } from '../../src/api/ids.js'

describe('newId', () => {
  it('keeps the format ids always had: prefix, underscore, 16 symbols without look-alikes', () => {
    for (const prefix of ['sch', 'dl'] as const) {
      for (let i = 0; i < 1000; i++)
        expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[a-km-np-z2-9]{16}$`))
    }
  })

  it('uses all 32 symbols and repeats no id', () => {
    const ids = Array.from({ length: 5000 }, () => newId('sch'))
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids.flatMap((id) => [...id.slice(4)])).size).toBe(32)
  })
})
