/**
 * Not a workflow: the SDK's OpenTelemetry workflow interceptors, bundled with the workflows only when tracing is on
 * (src/telemetry/tracing.ts). They start no timers and no activities, so histories replay the same with or without
 * them (test/telemetry/tracing.test.ts replays the recorded ones with them).
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js'
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow'

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
})
