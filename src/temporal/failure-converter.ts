import { DefaultFailureConverter } from '@temporalio/common'

/**
 * Failure messages and stack traces travel as an encoded payload, so the payload codec encrypts them too: SMTP
 * replies and database errors end up in failure messages. Loaded by path (the SDK bundles it into the workflow
 * sandbox and `require()`s it in the worker and clients), so it imports nothing but the SDK and stays free of
 * TypeScript-only syntax (the tests load it without a compiler).
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true })
