import { readFile } from 'node:fs/promises'
import { Client, type ClientInterceptors, Connection } from '@temporalio/client'
import { NativeConnection } from '@temporalio/worker'
import type { Config } from '../config.js'
import { heraldDataConverter } from './data-converter.js'

/**
 * Connection options shared by the client and the worker. The same code reaches a local dev server, a
 * self-hosted cluster (TEMPORAL_TLS, mTLS cert/key) or Temporal Cloud (TEMPORAL_API_KEY), chosen by env only.
 */
async function connectionOptions(config: Config, address: string) {
  const mtls =
    config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: await readFile(config.TEMPORAL_TLS_CERT_PATH),
            key: await readFile(config.TEMPORAL_TLS_KEY_PATH),
          },
        }
      : undefined
  const tls = mtls ?? (config.TEMPORAL_TLS || config.TEMPORAL_API_KEY ? true : undefined)
  return { address, tls, apiKey: config.TEMPORAL_API_KEY, metadata: {} }
}

/** `interceptors`: the tracing client interceptor when tracing is on (src/telemetry/tracing.ts). */
export async function connectClient(
  config: Config,
  address = config.TEMPORAL_ADDRESS ?? 'localhost:7233',
  interceptors?: ClientInterceptors,
) {
  const connection = await Connection.connect(await connectionOptions(config, address))
  return new Client({
    connection,
    interceptors,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: heraldDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
  })
}

export async function connectWorker(config: Config, address = config.TEMPORAL_ADDRESS ?? 'localhost:7233') {
  return NativeConnection.connect(await connectionOptions(config, address))
}

export function workflowUiUrl(
  uiBase: string | undefined,
  namespace: string,
  workflowId: string,
): string | undefined {
  if (!uiBase) return undefined
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`
}
