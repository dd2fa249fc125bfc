/**
 * Errors of the Strava client and sync. Messages name the request (method and path, never a query
 * string with credentials) and the problem; no token or secret ever appears in one.
 */

export class StravaError extends Error {
  override name = 'StravaError';
}

/** A reply that does not have the documented shape: the message names the field. */
export class StravaResponseError extends StravaError {
  override name = 'StravaResponseError';
}

/** Strava answered with an error status (other than the ones below). 5xx are worth retrying. */
export class StravaApiError extends StravaError {
  override name = 'StravaApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.status >= 500;
  }
}

/** 401: the access token is expired, invalid or revoked (the athlete withdrew access). */
export class StravaUnauthorizedError extends StravaApiError {
  override name = 'StravaUnauthorizedError';
}

/** 404: the activity (or other object) does not exist, or is not visible with this token. */
export class StravaNotFoundError extends StravaApiError {
  override name = 'StravaNotFoundError';
}

/**
 * 400 from /oauth/token: the authorization code or refresh token is not valid (used, expired or
 * revoked), or the application credentials are wrong (`field` says which).
 */
export class StravaOAuthError extends StravaApiError {
  override name = 'StravaOAuthError';
  constructor(
    message: string,
    status: number,
    readonly field: string | undefined,
  ) {
    super(message, status);
  }
}

/**
 * No request may be made before `retryAt`: the shared rate budget is spent for this window (or Strava
 * answered 429). Not a failure: the job waits and runs again, without using up an attempt.
 */
export class StravaRateLimitedError extends StravaError {
  override name = 'StravaRateLimitedError';
  constructor(
    message: string,
    readonly retryAt: Date,
    /** How long from now, by the clock the budget runs on. */
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Strava did not answer in time, or the connection failed: worth retrying. */
export class StravaUnavailableError extends StravaError {
  override name = 'StravaUnavailableError';
}

/** True for errors a later attempt can fix (timeouts, connection failures, 5xx). */
export function isRetryableStravaError(err: unknown): boolean {
  return err instanceof StravaUnavailableError || (err instanceof StravaApiError && err.retryable);
}
