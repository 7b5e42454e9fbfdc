import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { parseApiKeys, scopeGrants } from '../../src/security/api-keys.js'

describe('API_KEYS', () => {
  it.each([
    [
      'read:hk_r,write:hk_w,admin:hk_a',
      [
        ['hk_r', 'read', true],
        ['hk_w', 'write', true],
        ['hk_a', 'admin', true],
      ],
    ],
    [
      ' write: hk_w , hk_legacy ',
      [
        ['hk_w', 'write', true],
        ['hk_legacy', 'admin', false],
      ],
    ],
    ['', []],
    [undefined, []],
  ])('parses %j', (raw, expected) => {
    const { keys, problems } = parseApiKeys(raw)
    expect(problems).toEqual([])
    expect(keys.map((k) => [k.key, k.scope, k.scopeWritten])).toEqual(expected)
  })

  it.each([
    ['wirte:hk_secret_1', /entry 1: the text before ':' must be one of read, write, admin/],
    ['read:hk_a,admin:', /entry 2: no key after 'admin:'/],
    ['read:hk_a,admin:hk_a', /entry 2: repeats an earlier key/],
    ['read:hk_a,write:hk_b#c', /entry 2: a key may hold only letters, digits/],
  ])('refuses %j at start, naming the entry but not the key', (raw, message) => {
    let error: unknown
    try {
      loadConfig({ API_KEYS: raw })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/API_KEYS/)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('hk_')
  })

  it('keeps the key value, not the scope prefix, for the link secret', () => {
    expect(loadConfig({ API_KEYS: 'admin:hk_first,read:hk_second' }).API_KEYS[0]?.key).toBe('hk_first')
  })

  it.each([
    ['read', 'read', true],
    ['read', 'write', false],
    ['write', 'read', true],
    ['write', 'admin', false],
    ['admin', 'write', true],
    ['admin', 'admin', true],
  ] as const)('a %s key may call a %s operation: %s', (held, required, allowed) => {
    expect(scopeGrants(held, required)).toBe(allowed)
  })
})
