/**
 * Names of the business failures Herald raises as non-retryable ApplicationFailures. Retrying them cannot help:
 * the schedule, its query or a recipient must change first. Workflow-safe (no imports).
 */
export const BusinessError = {
  QueryInvalid: 'QueryInvalid',
  QueryNotReadOnly: 'QueryNotReadOnly',
  QueryTimeout: 'QueryTimeout',
  RowCapExceeded: 'RowCapExceeded',
  UnknownDataSource: 'UnknownDataSource',
  /** The data source's role can do more than read; an operator must fix its grants or opt out. */
  DataSourcePrivileged: 'DataSourcePrivileged',
  InvalidMessage: 'InvalidMessage',
  RecipientRejected: 'RecipientRejected',
  DataNotReady: 'DataNotReady',
} as const

export type BusinessErrorType = (typeof BusinessError)[keyof typeof BusinessError]

export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(BusinessError)
