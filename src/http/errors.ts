/**
 * The API's errors: every error response is `{ error: { code, message, details? } }`, produced by the
 * one error handler (`sendError`), whatever raised it — a route (`ApiError`), request validation,
 * a domain error (plan format, thresholds), Fastify itself (body too large, bad content type) or a bug.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PlanFormatError } from '../ingest/plan/errors.ts';
import { ThresholdsError } from '../recommend/types.ts';
import { RedisUnavailableError } from '../jobs/bullmq.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { RequestValidationError } from './zod.ts';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable machine-readable code, e.g. not_found, validation_failed' }),
      message: z.string().meta({ description: 'what went wrong, for people' }),
      details: z.unknown().optional(),
    }),
  })
  .meta({ description: 'every error response' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 404: used for what does not exist *and* for what belongs to another athlete (never 403: ids do not leak). */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/**
 * Postgres "data exception" codes that mean the request carried a value the database cannot take
 * (a NUL byte, text that is not UTF-8, a malformed number or date, a value too long or out of range):
 * the client's mistake, 400. Other class-22 codes (division by zero, …) stay bugs.
 */
const INVALID_INPUT_SQLSTATES: Record<string, string> = {
  '22001': 'a value is too long',
  '22003': 'a number is out of range',
  '22007': 'a date or time is malformed',
  '22008': 'a date or time is out of range',
  '22021': 'a text value holds a NUL byte or bytes that are not UTF-8',
  '22P02': 'a value is malformed',
  '22P05': 'a text value holds a NUL character (\\u0000), which cannot be stored',
};

function invalidInput(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? INVALID_INPUT_SQLSTATES[code] : undefined;
}

/** Retry-After of a 503 while the database is unreachable (seconds). */
export const DATABASE_RETRY_AFTER_S = 5;

/** The status, body and headers an error is answered with (the web app's error pages use it too). */
export function errorResponse(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof ApiError) {
    return { status: err.statusCode, headers: err.headers, body: { error: { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) } } };
  }
  if (err instanceof RequestValidationError) {
    return { status: 400, body: { error: { code: 'validation_failed', message: err.message, details: err.problems } } };
  }
  if (err instanceof PlanFormatError) {
    return { status: 422, body: { error: { code: 'invalid_plan', message: err.message, details: { problems: err.problems } } } };
  }
  if (err instanceof ThresholdsError) {
    return { status: 400, body: { error: { code: 'validation_failed', message: err.message } } };
  }
  if (err instanceof RedisUnavailableError) {
    return { status: 503, body: { error: { code: 'queue_unavailable', message: err.message } } };
  }
  if (isDatabaseUnavailable(err)) {
    // Restarts and failovers take seconds: a client that waits this long and sends the same request
    // again is safe (an upload stores all its files or none; the same bytes again are duplicates).
    return {
      status: 503,
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
      body: { error: { code: 'database_unavailable', message: `the database is unreachable just now: nothing was changed; send the request again in ${DATABASE_RETRY_AFTER_S} s` } },
    };
  }
  const rejected = invalidInput(err);
  if (rejected !== undefined) {
    return { status: 400, body: { error: { code: 'bad_request', message: `invalid request: ${rejected}` } } };
  }
  const status = (err as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = err instanceof Error ? err.message : String(err);
    return { status, body: { error: { code: CODE_BY_STATUS[status] ?? 'bad_request', message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error (logged with the request id)' } } };
}

/** The one error handler (`setErrorHandler`). */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, headers } = errorResponse(err);
  // 503: the database or the queue away for a moment (an alert watches /readyz), not a bug.
  if (status === 503) request.log.warn({ status, code: body.error.code, err: err instanceof Error ? err.message : String(err) }, 'request refused: unavailable');
  else if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ status, code: body.error.code, ...(invalidInput(err) !== undefined && { err: (err as Error).message }) }, 'request rejected');
  if (headers !== undefined) void reply.headers(headers);
  return reply.status(status).type('application/json').send(body);
}

/**
 * onRequest: an address with a NUL byte (`%00`) is refused before any route reads it: no path or
 * query parameter takes one, and Postgres cannot store one.
 */
export async function refuseNulInUrl(request: FastifyRequest): Promise<void> {
  if (/%00/i.test(request.url) || request.url.includes('\u0000')) throw new ApiError(400, 'bad_request', 'the address holds a NUL byte (%00): no parameter takes one');
  return Promise.resolve();
}

/** The error responses a route documents (the body is always `ErrorBody`). */
export function errorResponses(...codes: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503)[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(codes.map((c) => [c, ErrorBody]));
}
