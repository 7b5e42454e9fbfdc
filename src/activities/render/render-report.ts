import type { ArtifactMeta, ArtifactStore } from '../../artifacts/artifact-store.js'
import type { Attachment, RenderInput } from '../../domain/report-data.js'
import { secondsSince, type WorkerMetrics } from '../../telemetry/worker-metrics.js'
import { renderCsv } from './csv.js'
import { renderPdf } from './pdf.js'
import { renderXlsx } from './xlsx.js'

export interface RenderActivityDeps {
  artifacts: ArtifactStore
  metrics?: WorkerMetrics
}

const RENDERERS: Record<
  RenderInput['format'],
  (input: RenderInput, artifacts: ArtifactStore) => Promise<ArtifactMeta>
> = {
  pdf: renderPdf,
  xlsx: renderXlsx,
  csv: renderCsv,
}

export function createRenderActivities({ artifacts, metrics }: RenderActivityDeps) {
  return {
    /** Renders a stored query result as one attachment; the file stays in the artifact store, the id travels. */
    async renderReport(input: RenderInput): Promise<Attachment> {
      const started = performance.now()
      const stored = await RENDERERS[input.format](input, artifacts)
      metrics?.rendered(input.format, secondsSince(started), stored.size)
      return {
        artifactId: stored.id,
        format: input.format,
        filename: stored.filename,
        contentType: stored.contentType,
        size: stored.size,
      }
    },
  }
}
