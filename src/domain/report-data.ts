import { z } from 'zod'
import { resultSummarySchema } from './conditions.js'
import { runContextSchema } from './run.js'
import { querySchema, reportFormatSchema } from './schedule.js'

/** What crosses between the run workflow and the query and render activities: small values, files as artifact ids. */

export const columnTypeSchema = z.enum(['integer', 'number', 'text', 'boolean', 'date', 'timestamp', 'json'])
export type ColumnType = z.infer<typeof columnTypeSchema>

export const columnInfoSchema = z.object({ name: z.string(), type: columnTypeSchema })
export type ColumnInfo = z.infer<typeof columnInfoSchema>

export const queryInputSchema = z.object({ run: runContextSchema, query: querySchema })
export type QueryInput = z.infer<typeof queryInputSchema>

export const queryResultSchema = resultSummarySchema.extend({
  /** Artifact holding the rows as NDJSON (one JSON array per line, in column order). */
  resultRef: z.string(),
  columns: z.array(columnInfoSchema),
})
export type QueryResult = z.infer<typeof queryResultSchema>

export const renderInputSchema = z.object({
  run: runContextSchema,
  format: reportFormatSchema,
  resultRef: z.string(),
  columns: z.array(columnInfoSchema),
  rowCount: z.number().int(),
  conditionSummary: z.string(),
  csvBom: z.boolean(),
})
export type RenderInput = z.infer<typeof renderInputSchema>

export const attachmentSchema = z.object({
  artifactId: z.string(),
  format: reportFormatSchema,
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
})
export type Attachment = z.infer<typeof attachmentSchema>
