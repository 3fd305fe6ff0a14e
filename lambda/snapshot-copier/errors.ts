/** The error's name as the SDK sets it from the service's error code (`DBClusterSnapshotAlreadyExistsFault`, ...). */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
