/**
 * Turns `:name` placeholders into PostgreSQL's positional `$n` parameters, so schedules can write readable SQL
 * while values are still bound by the server and never spliced into the text.
 */

export type ParamValue = string | number | boolean | null

export interface BoundQuery {
  text: string
  params: ParamValue[]
  /** Placeholder names in `$n` order. */
  names: string[]
}

export class UnknownQueryParameter extends Error {
  override name = 'UnknownQueryParameter'
}

const NAME_START = /[A-Za-z_]/
const NAME_PART = /[A-Za-z0-9_]/
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/

/** Each name gets one `$n`, reused wherever it appears. Throws UnknownQueryParameter naming what is available. */
export function bindNamedParams(sql: string, values: Record<string, ParamValue>): BoundQuery {
  const names: string[] = []
  const positions = new Map<string, number>()
  let text = ''
  let i = 0
  let copiedUpTo = 0
  while (i < sql.length) {
    const ch = sql[i]!
    const next = sql[i + 1]
    if (ch === "'" || ch === '"') {
      i = skipQuoted(sql, i, ch, ch === "'" && isEscapeString(sql, i))
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end + 1
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i)
    } else if (ch === '$' && !isIdentifierPart(sql[i - 1])) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 65))
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length)
        i = end === -1 ? sql.length : end + tag[0].length
      } else {
        i++
      }
    } else if (ch === ':' && next === ':') {
      i += 2 // a `::type` cast
    } else if (ch === ':' && next !== undefined && NAME_START.test(next) && !isIdentifierPart(sql[i - 1])) {
      let end = i + 1
      while (end < sql.length && NAME_PART.test(sql[end]!)) end++
      const name = sql.slice(i + 1, end)
      if (!Object.hasOwn(values, name)) {
        const known = Object.keys(values).sort()
        throw new UnknownQueryParameter(
          `unknown query parameter :${name}; available: ${known.map((k) => `:${k}`).join(', ') || '(none)'}`,
        )
      }
      let position = positions.get(name)
      if (position === undefined) {
        names.push(name)
        position = names.length
        positions.set(name, position)
      }
      text += `${sql.slice(copiedUpTo, i)}$${position}`
      copiedUpTo = end
      i = end
    } else {
      i++
    }
  }
  text += sql.slice(copiedUpTo)
  return { text, params: names.map((n) => values[n] ?? null), names }
}

function isIdentifierPart(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$]/.test(ch)
}

/** E'…' strings use backslash escapes; in standard strings a backslash is an ordinary character. */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1]
  return (prefix === 'E' || prefix === 'e') && !isIdentifierPart(sql[quote - 2])
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1
  while (i < sql.length) {
    const ch = sql[i]
    if (backslashEscapes && ch === '\\') {
      i += 2
    } else if (ch === quote) {
      if (sql[i + 1] === quote)
        i += 2 // doubled quote inside the literal
      else return i + 1
    } else {
      i++
    }
  }
  return sql.length
}

/** Block comments nest in PostgreSQL. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0
  let i = start
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  return sql.length
}
