import type { DataConverter } from '@temporalio/common'
import { TestWorkflowEnvironment } from '@temporalio/testing'
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker'
import { temporalCliPath, testServerPath } from '../../src/dev/temporal-binary.js'
import { parsePayloadKeys } from '../../src/security/payload-keys.js'
import { workflowTracingInterceptors } from '../../src/telemetry/tracing.js'
import { failureConverterPath, heraldDataConverter } from '../../src/temporal/data-converter.js'
import { HERALD_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js'

/**
 * The payload key of the suite: test clients and workers encrypt payloads and failure messages as a deployment with
 * PAYLOAD_ENCRYPTION_KEYS does. Give it to loadConfig when a test builds a worker or client from config.
 */
export const TEST_PAYLOAD_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`
export const testDataConverter = () => heraldDataConverter(parsePayloadKeys(TEST_PAYLOAD_KEYS).keys)

export interface TestEnvOptions {
  /** Default true. False keeps payloads readable (the recorded replay fixtures). */
  encrypted?: boolean
}

const converters = new WeakMap<TestWorkflowEnvironment, DataConverter | undefined>()
/** What a worker on `env` must use to read what `env.client` writes. */
export const dataConverterOf = (env: TestWorkflowEnvironment) => converters.get(env)

async function withConverter(
  options: TestEnvOptions,
  create: (dataConverter: DataConverter | undefined) => Promise<TestWorkflowEnvironment>,
) {
  const dataConverter = options.encrypted === false ? undefined : testDataConverter()
  const env = await create(dataConverter)
  converters.set(env, dataConverter)
  return env
}

/** Under vitest the paths come from the global setup (TEMPORAL_*_PATH), so test files never install anything. */
export async function createTimeSkippingEnv(options: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = await testServerPath()
  return withConverter(options, (dataConverter) =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
      client: { dataConverter },
    }),
  )
}

export interface LocalEnvOptions extends TestEnvOptions {
  /**
   * Serve the Web UI on this port (default: headless), decoding payloads through this codec endpoint from the
   * browser, as `npm start`'s dev server does.
   */
  ui?: { port: number; codecEndpoint?: string }
}

/** A real Temporal dev server (the `temporal` CLI), for tests that need real time and the full server. */
export async function createLocalEnv(options: LocalEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = await temporalCliPath()
  const { ui } = options
  return withConverter(options, (dataConverter) =>
    TestWorkflowEnvironment.createLocal({
      // Registered as `npm start`'s dev server and `npm run temporal:setup` do, so workflows start indexed.
      server: {
        executable: { type: 'existing-path', path },
        ip: '127.0.0.1',
        searchAttributes: [...HERALD_SEARCH_ATTRIBUTES],
        ...(ui && {
          ui: true,
          uiPort: ui.port,
          extraArgs: ui.codecEndpoint ? ['--ui-codec-endpoint', ui.codecEndpoint] : [],
        }),
      },
      client: { dataConverter },
    }),
  )
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined

/** The workflow bundle, built once per test file, with the failure converter an encrypting worker bundles. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: new URL('../../src/workflows/index.ts', import.meta.url).pathname,
    // As a deployed worker bundles them: always, tracing on or off (src/workflows/tracing-interceptors.ts).
    workflowInterceptorModules: [workflowTracingInterceptors],
    failureConverterPath,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
  })
  return bundle
}
