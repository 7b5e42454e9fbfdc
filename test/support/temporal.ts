import { TestWorkflowEnvironment } from '@temporalio/testing'
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker'
import { temporalCliPath, testServerPath } from '../../src/dev/temporal-binary.js'

/** Under vitest the paths come from the global setup (TEMPORAL_*_PATH), so test files never install anything. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await testServerPath() } },
  })
}

/** A real Temporal dev server (the `temporal` CLI), for tests that need real time and the full server. */
export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await temporalCliPath() }, ip: '127.0.0.1' },
  })
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: new URL('../../src/workflows/index.ts', import.meta.url).pathname,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
  })
  return bundle
}
