import { fileURLToPath } from 'node:url'
import { type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { Resource } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type ReadableSpan,
  type Span as SdkSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { ClientInterceptors } from '@temporalio/client'
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry'
import type { WorkerOptions } from '@temporalio/worker'
import type { Config } from '../config.js'

/**
 * Traces with the SDK's OpenTelemetry interceptors: the API request's span (@hono/otel) is active when the client
 * starts or updates a workflow; the client interceptor carries it in the workflow's headers, the workflow
 * interceptors (src/workflows/tracing-interceptors.ts, bundled with the workflows) carry it on to child workflows
 * and activities, and the activity interceptor makes it active around each activity, down to each SMTP transaction.
 */
export interface Tracing {
  readonly resource: Resource
  readonly spanProcessor: SpanProcessor
  shutdown(): Promise<void>
}

/** The workflow interceptors module, always bundled with the workflows (source in dev and tests). */
export const workflowTracingInterceptors = fileURLToPath(
  new URL(
    `../workflows/tracing-interceptors${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  ),
)

/**
 * Starts tracing for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set (the OTLP/HTTP exporter reads the
 * standard OTEL_EXPORTER_OTLP_* variables itself, headers included), or when a test passes its own exporter.
 * Registers the tracer provider globally, with the async-hooks context manager and W3C trace-context propagation.
 */
export function startTracing(
  config: Config,
  serviceName: string,
  exporter?: SpanExporter,
): Tracing | undefined {
  if (!exporter && !config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined
  const resource = new Resource({ 'service.name': serviceName })
  const export_ = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter())
  const spanProcessor = new QueryStringRedaction(export_)
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] })
  provider.register()
  return { resource, spanProcessor, shutdown: () => provider.shutdown() }
}

/**
 * What a worker adds for tracing: the workflow spans' sink (which drops them when tracing is off: the workflow
 * interceptors are bundled either way) and, when on, the activity interceptor.
 */
export function workerTracingOptions(tracing: Tracing | undefined): Required<Pick<WorkerOptions, 'sinks'>> & {
  activityInterceptors: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']>
} {
  if (!tracing) {
    return {
      sinks: { exporter: makeWorkflowExporter(new NoopSpanProcessor(), new Resource({})) },
      activityInterceptors: [],
    }
  }
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    activityInterceptors: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })],
  }
}

/** What a Temporal client adds for tracing: its calls carry the active span to the workflows they reach. */
export function clientTracingInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined
}

const tracer = () => trace.getTracer('herald')

/**
 * Runs `work` in a span of its own (a no-op when tracing is off); a thrown error marks the span failed. Attributes
 * name what happened, never who: no addresses, no SQL, no tokens.
 */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await work(span)
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err))
      span.setStatus({ code: SpanStatusCode.ERROR })
      throw err
    } finally {
      span.end()
    }
  })
}

/**
 * Unsubscribe links and signed downloads carry their token in the query string, and @hono/otel records the full
 * URL: the query is cut off before any span leaves the process.
 */
class QueryStringRedaction implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: SdkSpan, parentContext: Context): void {
    const url = span.attributes['url.full']
    if (typeof url === 'string' && url.includes('?'))
      span.setAttribute('url.full', url.slice(0, url.indexOf('?')))
    this.next.onStart(span, parentContext)
  }

  onEnd(span: ReadableSpan): void {
    this.next.onEnd(span)
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush()
  }

  shutdown(): Promise<void> {
    return this.next.shutdown()
  }
}
