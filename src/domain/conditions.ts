import { z } from 'zod'

/** Distribution conditions: decide, inside the workflow, whether a run mails its recipients. Pure and workflow-safe. */

export const comparisonOperators = ['>', '>=', '<', '<=', '==', '!='] as const
export type ComparisonOperator = (typeof comparisonOperators)[number]
const operator = z.enum(comparisonOperators)

const leafConditionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('always') }),
  z.object({ type: z.literal('rowCount'), op: operator, value: z.number().int().min(0) }),
  z.object({
    type: z.literal('metric'),
    column: z.string().min(1).max(63),
    aggregate: z.enum(['sum', 'avg', 'min', 'max']),
    op: operator,
    value: z.number(),
  }),
  z.object({ type: z.literal('resultsChanged') }),
  z.object({ type: z.literal('nonEmpty') }),
  z.object({ type: z.literal('empty') }),
  z.object({ type: z.literal('onError') }),
])

export const conditionSchema = z.union([
  leafConditionSchema,
  z.object({ type: z.literal('all'), conditions: z.array(leafConditionSchema).min(1).max(10) }),
  z.object({ type: z.literal('any'), conditions: z.array(leafConditionSchema).min(1).max(10) }),
])

export type LeafCondition = z.infer<typeof leafConditionSchema>
export type Condition = z.infer<typeof conditionSchema>

const columnStatsSchema = z.object({
  count: z.number(),
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
})
export type ColumnStats = z.infer<typeof columnStatsSchema>

/** What a query returned, reduced to what conditions need: never the rows themselves. */
export const resultSummarySchema = z.object({
  rowCount: z.number().int(),
  fingerprint: z.string(),
  numericColumns: z.record(z.string(), columnStatsSchema),
})
export type ResultSummary = z.infer<typeof resultSummarySchema>

export interface ConditionContext {
  /** Undefined when the query failed. */
  result?: ResultSummary
  queryFailed: boolean
  previousFingerprint?: string
}

export interface ConditionOutcome {
  send: boolean
  reason: string
}

export function compare(left: number, op: ComparisonOperator, right: number): boolean {
  switch (op) {
    case '>':
      return left > right
    case '>=':
      return left >= right
    case '<':
      return left < right
    case '<=':
      return left <= right
    case '==':
      return left === right
    case '!=':
      return left !== right
  }
}

function aggregate(stats: ColumnStats, kind: 'sum' | 'avg' | 'min' | 'max'): number | null {
  if (stats.count === 0) return null
  switch (kind) {
    case 'sum':
      return stats.sum
    case 'avg':
      return stats.sum / stats.count
    case 'min':
      return stats.min
    case 'max':
      return stats.max
  }
}

function evaluateLeaf(condition: LeafCondition, ctx: ConditionContext): ConditionOutcome {
  if (condition.type === 'onError') {
    return ctx.queryFailed
      ? { send: true, reason: 'query failed (onError)' }
      : { send: false, reason: 'query succeeded; onError sends only on failure' }
  }
  const result = ctx.result
  if (!result) return { send: false, reason: 'query failed' }
  switch (condition.type) {
    case 'always':
      return { send: true, reason: 'always' }
    case 'rowCount': {
      const send = compare(result.rowCount, condition.op, condition.value)
      return {
        send,
        reason: `row count ${result.rowCount} ${send ? '' : 'not '}${condition.op} ${condition.value}`,
      }
    }
    case 'metric': {
      const stats = result.numericColumns[condition.column]
      if (!stats) return { send: false, reason: `column "${condition.column}" is missing or not numeric` }
      const value = aggregate(stats, condition.aggregate)
      if (value === null)
        return { send: false, reason: `${condition.aggregate}(${condition.column}) has no values` }
      const send = compare(value, condition.op, condition.value)
      const shown = Math.round(value * 1000) / 1000
      return {
        send,
        reason: `${condition.aggregate}(${condition.column}) = ${shown} ${send ? '' : 'not '}${condition.op} ${condition.value}`,
      }
    }
    case 'resultsChanged': {
      if (ctx.previousFingerprint === undefined)
        return { send: true, reason: 'first result (no previous run)' }
      const send = ctx.previousFingerprint !== result.fingerprint
      return { send, reason: send ? 'results changed since last run' : 'results unchanged since last run' }
    }
    case 'nonEmpty':
      return result.rowCount > 0
        ? { send: true, reason: `${result.rowCount} rows` }
        : { send: false, reason: 'result is empty' }
    case 'empty':
      return result.rowCount === 0
        ? { send: true, reason: 'result is empty' }
        : { send: false, reason: `result has ${result.rowCount} rows` }
  }
}

export function evaluateCondition(condition: Condition, ctx: ConditionContext): ConditionOutcome {
  if (condition.type === 'all' || condition.type === 'any') {
    const outcomes = condition.conditions.map((c) => evaluateLeaf(c, ctx))
    const send = condition.type === 'all' ? outcomes.every((o) => o.send) : outcomes.some((o) => o.send)
    return { send, reason: `${condition.type}(${outcomes.map((o) => o.reason).join('; ')})` }
  }
  return evaluateLeaf(condition, ctx)
}

/** True when the condition can only be met by a failed query, so the run mails the owners an error report. */
export function wantsErrorReport(condition: Condition): boolean {
  if (condition.type === 'onError') return true
  if (condition.type === 'all' || condition.type === 'any')
    return condition.conditions.some((c) => c.type === 'onError')
  return false
}

export function describeCondition(condition: Condition): string {
  switch (condition.type) {
    case 'always':
      return 'always sent'
    case 'rowCount':
      return `sent when row count ${condition.op} ${condition.value}`
    case 'metric':
      return `sent when ${condition.aggregate}(${condition.column}) ${condition.op} ${condition.value}`
    case 'resultsChanged':
      return 'sent when results changed since the previous run'
    case 'nonEmpty':
      return 'sent when the result has rows'
    case 'empty':
      return 'sent when the result is empty'
    case 'onError':
      return 'sent only when the query fails'
    case 'all':
    case 'any':
      return `${condition.type === 'all' ? 'all of' : 'any of'}: ${condition.conditions.map(describeCondition).join('; ')}`
  }
}
