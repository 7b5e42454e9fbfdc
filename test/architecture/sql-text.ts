import ts from 'typescript'

/** Finds Herald's own SQL text in TypeScript source (see sql-outside-db.test.ts). */

/** Statement shapes, not single keywords, so a message like "must start with SELECT" is not SQL. */
const SQL_SHAPES: RegExp[] = [
  /\bSELECT\b[\s\S]*?\bFROM\b/,
  /\bSELECT\s+(?:1|\*|count\s*\(|set_config\s*\(|pg_\w+\s*\(|to_regclass\s*\()/i,
  /\bINSERT\s+INTO\b/i,
  /\bUPDATE\s+[\w."]+(?:\s+AS\s+\w+)?\s+SET\b/i,
  /\bDELETE\s+FROM\b/i,
  /\bSET\s+LOCAL\b/i,
  /\bON\s+CONFLICT\b/i,
  /\b(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?(?:TABLE|SCHEMA|INDEX|ROLE|VIEW|FUNCTION|TYPE|EXTENSION|SEQUENCE|TRIGGER)\b/i,
  /\bGRANT\s+[\w\s,]+?\s+ON\b/i,
  /\bREVOKE\s+[\w\s,]+?\s+ON\b/i,
  /\bTRUNCATE\s+(?:TABLE\s+)?[\w."]+/,
]

/** Tags that name a postgres.js connection, pool or transaction. */
const SQL_TAGS = /^(?:sql|tx|db|trx|conn|connection|reserved|migrator|locks)$/i

export interface SqlFinding {
  line: number
  what: string
}

export const looksLikeSql = (text: string): boolean => SQL_SHAPES.some((shape) => shape.test(text))

/** Where `source` (TypeScript) holds SQL text; comments are not looked at. */
export function findSqlText(source: string, fileName = 'sample.ts'): SqlFinding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const findings: SqlFinding[] = []
  const report = (node: ts.Node, what: string) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1
    if (!findings.some((f) => f.line === line)) findings.push({ line, what })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node)) {
      const tag = lastName(node.tag)
      if (tag !== undefined && SQL_TAGS.test(tag)) {
        report(node, `${tag}\`…\` (a postgres.js query)`)
        return
      }
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'unsafe'
    ) {
      report(node, '.unsafe(…) (a postgres.js query)')
    }
    const text = literalText(node)
    if (text !== undefined && looksLikeSql(text)) {
      report(node, `SQL in a literal: ${oneLine(text)}`)
      return
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return findings.sort((a, b) => a.line - b.line)
}

/** `sql`, `this.db`, `deps.tx` → the last name; undefined for other tags. */
function lastName(tag: ts.Expression): string | undefined {
  if (ts.isIdentifier(tag)) return tag.text
  if (ts.isPropertyAccessExpression(tag)) return tag.name.text
  if (ts.isCallExpression(tag)) return lastName(tag.expression)
  return undefined
}

/** The text of a string or template literal, with each `${…}` as a placeholder. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text
  if (ts.isTemplateExpression(node)) {
    return [node.head.text, ...node.templateSpans.map((span) => `$1 ${span.literal.text}`)].join('')
  }
  return undefined
}

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 80 ? `${flat.slice(0, 77)}…` : flat
}
