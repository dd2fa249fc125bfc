/**
 * Is this error the database being away (stopped, restarting, failing over, refusing connections,
 * a connection cut), rather than a bad query or bad data? The API answers those 503 with Retry-After
 * instead of 500 (issue 21); the request changed nothing it could not do again.
 */

/** Node's socket errors when the server cannot be reached or the connection breaks. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Postgres SQLSTATEs of a server going away or not taking connections: class 08 (connection
 * exception), 57P01–57P03 (administrator or crash shutdown, cannot connect now: starting up, shutting
 * down, in recovery), 53300 (too many connections).
 */
const SERVER_CODES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);

/** What `pg` says, without a code, when a connection ends under a query or cannot be had. */
const MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code))) return true;
  return err instanceof Error && MESSAGES.test(err.message);
}
