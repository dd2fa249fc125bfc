/** A FIT file that cannot be imported: the message is the reason shown to the runner. */
export class FitDecodeError extends Error {
  override name = 'FitDecodeError';
}
