/**
 * Not a workflow: the SDK's OpenTelemetry workflow interceptors, always bundled with the workflows (whether spans are
 * exported is the worker's sink's business, src/telemetry/tracing.ts), so a workflow's code never depends on a
 * setting. They change the order in which a workflow's promises settle, so a history recorded without them need not
 * replay with them (schedule-v4.binpb does not): a run started before them stays untraced, decided once per run by a
 * patch marker, and its schedule is traced from its next continue-as-new on.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js'
import { patched, type WorkflowInterceptorsFactory } from '@temporalio/workflow'

export const TRACING_PATCH = 'otel-tracing-interceptors'

/** Where patched() may not be called (queries, update validators, log and metric attributes): only read the decision. */
const READ_ONLY = new Set(['handleQuery', 'validateUpdate', 'getLogAttributes', 'getMetricTags', 'dispose'])

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One decision per run (this factory runs once per workflow run).
  let traced: boolean | undefined
  const gate = (method: string) => {
    if (traced === undefined && !READ_ONLY.has(method)) traced = patched(TRACING_PATCH)
    return traced === true
  }
  return {
    inbound: [gated(new OpenTelemetryInboundInterceptor(), gate)],
    outbound: [gated(new OpenTelemetryOutboundInterceptor(), gate)],
    internals: [gated(new OpenTelemetryInternalsInterceptor(), gate)],
  }
}

type Method = (input: unknown, next: (input: unknown) => unknown) => unknown

/** The interceptor's methods, each calling straight through to `next` while the run is untraced. */
function gated<T extends object>(interceptor: T, gate: (method: string) => boolean): T {
  const wrapper: Record<string, Method> = {}
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(interceptor))) {
    const method = (interceptor as Record<string, unknown>)[name]
    if (name === 'constructor' || typeof method !== 'function') continue
    wrapper[name] = (input, next) =>
      gate(name) ? (method as Method).call(interceptor, input, next) : next(input)
  }
  return wrapper as T
}
