import type { ArtifactStore } from '../../artifacts/artifact-store.js'

export type ResultRow = unknown[]

/**
 * Reads a query result artifact (NDJSON, one JSON array per line) in batches of rows, so renderers hold one
 * chunk of the file at a time whatever the result size.
 */
export async function* readRowBatches(
  artifacts: ArtifactStore,
  resultRef: string,
): AsyncGenerator<ResultRow[]> {
  const stream = await artifacts.open(resultRef)
  stream.setEncoding('utf8')
  let pending = ''
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = pending + chunk
      const lastBreak = text.lastIndexOf('\n')
      if (lastBreak === -1) {
        pending = text
        continue
      }
      pending = text.slice(lastBreak + 1)
      yield parseLines(text, lastBreak)
    }
    if (pending.trim() !== '') yield [JSON.parse(pending) as ResultRow]
  } finally {
    stream.destroy()
  }
}

function parseLines(text: string, end: number): ResultRow[] {
  const rows: ResultRow[] = []
  let start = 0
  while (start < end) {
    const lineEnd = text.indexOf('\n', start)
    if (lineEnd > start) rows.push(JSON.parse(text.slice(start, lineEnd)) as ResultRow)
    start = lineEnd + 1
  }
  return rows
}

/** The first `limit` rows of a result, e.g. for a table inside the mail body. */
export async function readFirstRows(
  artifacts: ArtifactStore,
  resultRef: string,
  limit: number,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = []
  if (limit <= 0) return rows
  for await (const batch of readRowBatches(artifacts, resultRef)) {
    for (const row of batch) {
      rows.push(row)
      if (rows.length >= limit) return rows
    }
  }
  return rows
}
