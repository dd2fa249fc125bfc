/**
 * Reading a multipart/form-data body (`request.parts()` of @fastify/multipart) with a malformed body
 * answered 400: a body cut short, a Content-Type without its boundary or broken part headers are the
 * client's mistake, and the parser's plain errors would otherwise end as 500s. The plugin's own 4xx
 * errors (too many files or parts, a file over the limit) pass as they are.
 */
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** An error met while reading the body, as the client should see it. */
export function multipartError(err: unknown): unknown {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(400, 'bad_request', `the multipart/form-data body could not be read: ${message}`);
}

/** The parts of the body, one at a time, as `request.parts()` gives them; a malformed body is a 400. */
export async function* readParts(request: FastifyRequest): AsyncGenerator<Multipart> {
  let parts: AsyncIterator<Multipart>;
  try {
    parts = request.parts()[Symbol.asyncIterator]();
  } catch (err) {
    throw multipartError(err);
  }
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (err) {
        done = true;
        throw multipartError(err);
      }
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // The caller stopped early (an error of its own): let the plugin stop reading too.
    if (!done) await parts.return?.();
  }
}

/** The whole content of a file part; a body cut short in the middle of it is a 400. */
export async function fileBytes(part: MultipartFile): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (err) {
    throw multipartError(err);
  }
}
