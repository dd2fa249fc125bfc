/** An error the user can fix: printed as `kinetic: <message>` with exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}
