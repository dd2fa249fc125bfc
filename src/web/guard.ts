/** What every web page route needs: the signed-in athlete, CSRF checks on POSTs, errors as pages. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findAthlete } from '../db/repositories/athletes.ts';
import type { Athlete } from '../db/schema.ts';
import type { ApiApp } from '../http/app.ts';
import { html } from './html.ts';
import { page, sendHtml } from './layout.ts';
import { csrfOf, csrfToken, validCsrf } from '../http/session.ts';
import { errorResponse } from '../http/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in athlete of a web page (set by `requireSignedIn`). */
    webAthlete: Athlete | null;
  }
}

export class WebPageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** preHandler: a POST must carry this browser's CSRF token (403 page otherwise). */
export async function requireCsrf(request: FastifyRequest): Promise<void> {
  if (!validCsrf(request, csrfOf(request))) {
    throw new WebPageError(403, 'This form has expired or did not come from Kinetic. Go back, reload the page and try again.');
  }
  return Promise.resolve();
}

/** onRequest: the page needs a signed-in athlete; otherwise to the sign-in page. */
export async function requireSignedIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const session = request.webSession;
  const athlete = session === null ? undefined : await findAthlete(request.server.deps.db, session.athleteId);
  if (athlete === undefined) {
    await reply.redirect('/signin', 303);
    return;
  }
  request.webAthlete = athlete;
}

/** The signed-in athlete of a route behind `requireSignedIn`. */
export function athleteOf(request: FastifyRequest): Athlete {
  if (request.webAthlete === null) throw new Error('athleteOf: the route is not behind requireSignedIn');
  return request.webAthlete;
}

/** Keeps the pages out of the API's OpenAPI document (/docs): they are for browsers, not API clients. */
export function hideFromOpenApi(app: ApiApp): void {
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}

/** Errors of the web routes as pages, not JSON. Decorates `webAthlete` once (the first module to call it). */
export function registerWebErrors(app: ApiApp): void {
  if (!app.hasRequestDecorator('webAthlete')) app.decorateRequest('webAthlete', null);
  app.setErrorHandler(async (err: unknown, request, reply) => {
    // Classified as the API classifies its errors (a value the database cannot take is a 400, …).
    const answer = err instanceof WebPageError ? { status: err.status, message: err.message } : (({ status, body, headers }) => ({ status, message: body.error.message, headers }))(errorResponse(err));
    const status = answer.status;
    if (status >= 500) request.log.error({ err }, 'web page failed');
    // A 503 (the database or the queue away for a moment) says so, and when to try again.
    if (status === 503 && 'headers' in answer && answer.headers !== undefined) void reply.headers(answer.headers);
    const message = err instanceof WebPageError || status < 500 || status === 503 ? answer.message : 'Something went wrong on our side. Try again; if it keeps happening, tell the operator.';
    const csrf = csrfToken(request, reply);
    const body = html`<p><a href="${request.webAthlete === null ? '/signin' : '/app'}">Back to Kinetic</a></p>`;
    return sendHtml(
      reply,
      page({ title: status === 404 ? 'Not found' : 'Something went wrong', section: 'dashboard', csrf, error: message, body, ...(request.webAthlete !== null && { athleteName: request.webAthlete.name }) }),
      status,
    );
  });
}
