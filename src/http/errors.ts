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

function toBody(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
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
  const status = (err as Partial<FastifyError>).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = err instanceof Error ? err.message : String(err);
    return { status, body: { error: { code: CODE_BY_STATUS[status] ?? 'bad_request', message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error (logged with the request id)' } } };
}

/** The one error handler (`setErrorHandler`). */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, headers } = toBody(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ status, code: body.error.code }, 'request rejected');
  if (headers !== undefined) void reply.headers(headers);
  return reply.status(status).type('application/json').send(body);
}

/** The error responses a route documents (the body is always `ErrorBody`). */
export function errorResponses(...codes: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503)[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(codes.map((c) => [c, ErrorBody]));
}
