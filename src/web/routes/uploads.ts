/**
 * The upload form's target, `POST /app/uploads` (multipart, CSRF token in the `_csrf` query parameter
 * or `x-csrf-token` header). The body is not parsed here: it is streamed to the API's own
 * `POST /athletes/:id/uploads` as this browser, so storage, zips, limits and messages are the API's.
 * With `Accept: application/json` (the page's script) the API's answer comes back as it is;
 * otherwise the uploads page is shown with what happened.
 */
import type { ApiApp } from '../../http/app.ts';
import { athleteOf, hideFromOpenApi, registerWebErrors, requireCsrf, requireSignedIn } from '../guard.ts';
import { csrfOf } from '../../http/session.ts';
import { setFlash } from '../flash.ts';

export function webUploadRoutes(app: ApiApp): void {
  hideFromOpenApi(app);
  registerWebErrors(app);
  // Leave the body unread: the API route reads it.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));

  app.post('/app/uploads', { onRequest: requireSignedIn, preHandler: requireCsrf }, async (request, reply) => {
    const athlete = athleteOf(request);
    const token = csrfOf(request);
    const res = await app.inject({
      method: 'POST',
      url: `/athletes/${athlete.id}/uploads`,
      headers: {
        'content-type': request.headers['content-type'] ?? '',
        ...(request.headers['content-length'] !== undefined && { 'content-length': request.headers['content-length'] }),
        cookie: request.headers.cookie ?? '',
        'x-csrf-token': typeof token === 'string' ? token : '',
      },
      payload: request.raw,
    });
    if ((request.headers.accept ?? '').includes('application/json')) {
      // A 429 or 503 says when to try again.
      const retryAfter = res.headers['retry-after'];
      if (typeof retryAfter === 'string') void reply.header('retry-after', retryAfter);
      return reply.status(res.statusCode).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(res.body);
    }
    if (res.statusCode === 202) {
      const n = res.json<{ uploads: unknown[] }>().uploads.length;
      return reply.redirect(`/app/uploads?received=${n}`, 303);
    }
    const message = res.json<{ error?: { message?: string } }>().error?.message ?? `HTTP ${res.statusCode}`;
    setFlash(request, reply, message);
    return reply.redirect('/app/uploads', 303);
  });
}
