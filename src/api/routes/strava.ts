/**
 * Strava (docs/strava.md): connect an account (OAuth), the connection's status, disconnect, and the
 * webhook endpoint.
 *
 * - `GET /auth/strava` redirects to Strava's authorize page asking for `read,activity:read_all`,
 *   with a CSRF `state`: signed (HMAC, KINETIC_SECRET), expiring after 15 minutes, and bound to this
 *   browser by a nonce in an HttpOnly cookie. Called with an athlete's token (or the admin's and
 *   `?athlete=ID`), it links that athlete; without, the callback creates an athlete from the Strava
 *   profile, or finds the one already linked to that Strava account.
 * - `GET /auth/strava/callback` checks the state and the scopes actually granted (a page says what is
 *   missing when activity access was not granted), exchanges the code, stores the tokens encrypted,
 *   and queues the backfill.
 * - `GET /webhooks/strava` answers Strava's subscription check (`hub.challenge`, when
 *   `hub.verify_token` matches); `POST /webhooks/strava` checks `subscription_id` against the stored
 *   subscription, stores the event (once, however often it is delivered), queues its job and answers
 *   200 at once.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { deleteStravaData, findConnection, listSubscriptionIds } from '../../db/repositories/strava.ts';
import { systemClock, type Clock } from '../../ingest/strava/clock.ts';
import { accessTokenFor, activityAccess, connectWithCode, REQUESTED_SCOPES, StravaAccountInUseError } from '../../services/strava-connection.ts';
import { StravaError, StravaOAuthError } from '../../ingest/strava/errors.ts';
import { JsonSyntaxError, parseStravaJson } from '../../ingest/strava/json.ts';
import { MemoryRateBudget } from '../../ingest/strava/rate-limit.ts';
import { describeIssues, WebhookEvent } from '../../ingest/strava/schemas.ts';
import { createStravaServices, missingStravaConfig, type StravaServices } from '../../ingest/strava/services.ts';
import { storeEvent } from '../../services/strava-sync.ts';
import { queueAnalysis } from '../../services/strava-queue.ts';
import { athleteScope } from '../../http/auth.ts';
import { isValidTimeZone } from '../../domain/time.ts';
import { IdParams, isoOrNull } from '../dto.ts';
import { ApiError, ErrorBody, errorResponses } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';
import { startWebSession } from '../../http/session.ts';

const STATE_COOKIE = 'kinetic_strava_oauth';
const STATE_TTL_S = 15 * 60;

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const page = z.string().meta({ description: 'HTML page' });

const StateSchema = z.object({ n: z.string(), a: z.string().nullable(), e: z.number(), z: z.string().optional() });

const Connection = z.object({
  connected: z.boolean(),
  stravaAthleteId: z.string().nullable(),
  status: z.enum(['active', 'needs_reauth']).nullable().meta({ description: '`needs_reauth`: Strava refused the tokens (access revoked or expired); connect again' }),
  statusReason: z.string().nullable(),
  scopes: z.string().nullable(),
  backfill: z.enum(['not_started', 'running', 'done']).nullable(),
  lastSyncAt: z.string().nullable(),
});

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function sendPage(reply: FastifyReply, status: number, title: string, paragraphs: string[]): FastifyReply {
  const body = paragraphs.map((p) => `<p>${p}</p>`).join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)} · Kinetic</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}</style></head><body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>`;
  return reply.status(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}


const servicesOfApp = new WeakMap<ApiApp, StravaServices>();

/**
 * The app's Strava services (created on first use). The API makes OAuth calls only (not
 * rate-limited); its budget just records what replies report. 503 when Strava is not configured.
 */
export function stravaServicesOf(app: ApiApp): StravaServices {
  const missing = missingStravaConfig(app.deps.config);
  if (missing.length > 0) throw new ApiError(503, 'strava_not_configured', `Strava is not configured on this server: set ${missing.join(', ')}`);
  let s = servicesOfApp.get(app);
  if (s === undefined) {
    // The app's clock (tests move it with the fake Strava's); the API never waits on rate limits.
    const clock: Clock = { now: () => app.deps.now(), sleepUntil: (t) => systemClock.sleepUntil(t) };
    s = createStravaServices(app.deps.config, { budget: new MemoryRateBudget(), clock });
    servicesOfApp.set(app, s);
  }
  return s;
}

/**
 * Revokes Kinetic's access on Strava for the athlete's connection, if there is one with tokens.
 * Best effort: a failure is logged and the caller deletes the data either way.
 */
export async function revokeStravaAccess(app: ApiApp, athleteId: string): Promise<void> {
  const c = await findConnection(app.deps.db, athleteId);
  // A connection that needs re-authorisation has no tokens left: Strava already refused them.
  if (c === undefined || c.status !== 'active' || missingStravaConfig(app.deps.config).length > 0) return;
  const s = stravaServicesOf(app);
  try {
    // Refreshed first when it has expired (access tokens live 6 hours).
    await s.client.deauthorize(await accessTokenFor(app.deps.db, s, athleteId));
  } catch (err) {
    app.deps.log.warn({ athleteId, err: err instanceof Error ? err.message : String(err) }, 'Strava deauthorize failed');
  }
}

export function stravaRoutes(app: ApiApp): void {
  const { db, config, jobs, now, log } = app.deps;
  const strava = (): StravaServices => stravaServicesOf(app);
  const secure = config.publicUrl?.startsWith('https:') === true;

  // Strava's ids are 64-bit: read the webhook body without rounding them (the schema checks it).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, body === '' ? undefined : parseStravaJson(body as string));
    } catch (err) {
      done(new ApiError(400, 'bad_request', `the body is not JSON (${(err as JsonSyntaxError).message})`), undefined);
    }
  });

  app.get(
    '/auth/strava',
    {
      schema: {
        tags: ['strava'],
        summary: "redirect to Strava's authorize page (scopes read,activity:read_all); with a token, connects that athlete",
        querystring: z.object({
          athlete: z.uuid().optional().meta({ description: 'athlete to connect (admin token); default: the caller, or a new athlete' }),
          timezone: z.string().max(100).optional().meta({ description: "IANA time zone for an athlete created by this sign-in (the sign-in page sends the browser's); invalid or absent: UTC" }),
        }),
        response: { 302: z.null().meta({ description: 'to Strava' }), ...errorResponses(401, 404, 503) },
      },
    },
    async (request, reply) => {
      const s = strava();
      let athleteId: string | null = null;
      if (request.query.athlete !== undefined) athleteId = (await athleteScope(request, request.query.athlete)).id;
      else if (request.principal?.kind === 'athlete') athleteId = request.principal.athleteId;
      const nonce = randomBytes(16).toString('base64url');
      const tz = request.query.timezone !== undefined && isValidTimeZone(request.query.timezone) ? request.query.timezone : undefined;
      const state = s.box.sign({ n: nonce, a: athleteId, e: Math.floor(now().getTime() / 1000) + STATE_TTL_S, ...(tz !== undefined && { z: tz }) });
      const target = new URL(`${config.strava.oauthUrl.replace(/\/+$/, '')}/authorize`);
      target.searchParams.set('client_id', config.strava.clientId!);
      // Never from the request's Host header: KINETIC_PUBLIC_URL or the listen address.
      target.searchParams.set('redirect_uri', `${app.publicBase.url}/auth/strava/callback`);
      target.searchParams.set('response_type', 'code');
      target.searchParams.set('approval_prompt', 'auto');
      target.searchParams.set('scope', REQUESTED_SCOPES);
      target.searchParams.set('state', state);
      const cookie = `${STATE_COOKIE}=${nonce}; Path=/auth/strava; HttpOnly; SameSite=Lax; Max-Age=${STATE_TTL_S}${secure ? '; Secure' : ''}`;
      return reply.status(302).header('set-cookie', cookie).header('location', target.toString()).send(null);
    },
  );

  app.get(
    '/auth/strava/callback',
    {
      // The request line carries the authorization code: no access log line for it.
      logLevel: 'warn',
      schema: {
        tags: ['strava'],
        summary: 'where Strava sends the athlete back: checks state and scopes, stores the connection, queues the backfill',
        querystring: z.object({ code: z.string().max(200).optional(), scope: z.string().max(200).optional(), state: z.string().max(2000).optional(), error: z.string().max(200).optional() }),
        response: { 200: page, 400: page, 403: page, 409: page, 502: page, ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      const s = strava();
      const q = request.query;
      const again = '<a href="/auth/strava">Connect with Strava</a> to start again.';
      const payload = q.state === undefined ? undefined : StateSchema.safeParse(s.box.verify(q.state));
      const nonce = cookieValue(request, STATE_COOKIE);
      if (payload === undefined || !payload.success || payload.data.e < now().getTime() / 1000 || nonce === undefined || nonce !== payload.data.n) {
        return sendPage(reply, 400, 'This link is not valid', ['The Strava sign-in could not be matched to this browser, or it took longer than 15 minutes. Nothing was connected.', again]);
      }
      reply.header('set-cookie', `${STATE_COOKIE}=; Path=/auth/strava; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`);
      if (q.error !== undefined) {
        return sendPage(reply, 403, 'Strava was not connected', [`Strava said: ${escapeHtml(q.error === 'access_denied' ? 'you chose not to authorize Kinetic' : q.error)}. Nothing was connected.`, again]);
      }
      if (q.code === undefined) return sendPage(reply, 400, 'Strava was not connected', ['Strava sent no authorization code. Nothing was connected.', again]);
      const scopes = q.scope ?? '';
      const access = activityAccess(scopes);
      if (access === 'none') {
        return sendPage(reply, 403, 'Kinetic needs your activities', [
          'You connected Strava without access to your activities, so Kinetic cannot import your runs and strength sessions.',
          `Missing permission: <strong>View data about your activities</strong> (<code>activity:read_all</code>). You granted: <code>${escapeHtml(scopes || 'nothing')}</code>.`,
          `${again} Leave “View data about your activities” ticked.`,
        ]);
      }
      let result;
      try {
        result = await connectWithCode(db, s, {
          code: q.code,
          scopes,
          ...(payload.data.a !== null && { athleteId: payload.data.a }),
          ...(payload.data.z !== undefined && { timezone: payload.data.z }),
          now: now(),
        });
      } catch (err) {
        if (err instanceof StravaAccountInUseError) return sendPage(reply, 409, 'Already connected elsewhere', [`${escapeHtml(err.message)}. Nothing was changed.`]);
        if (err instanceof StravaOAuthError) return sendPage(reply, 400, 'Strava was not connected', ['Strava did not accept the authorization (it may have been used already or expired). Nothing was connected.', again]);
        if (err instanceof StravaError) {
          request.log.warn({ err: err.message }, 'Strava token exchange failed');
          return sendPage(reply, 502, 'Strava did not answer', ['Strava could not be reached to finish connecting. Nothing was connected; please try again in a minute.', again]);
        }
        throw err;
      }
      const mode = result.connection.backfill_done_at === null ? 'backfill' : 'incremental';
      await jobs.enqueue('strava-sync', { athleteId: result.athlete.id, mode });
      log.info({ athleteId: result.athlete.id, created: result.created, mode }, 'Strava connected');
      const lines = [
        `Connected to Strava as <strong>${escapeHtml(result.stravaName)}</strong>${result.created ? ' (a new Kinetic athlete was created for you)' : ''}.`,
        `Kinetic athlete id: <code>${escapeHtml(result.athlete.id)}</code>. Your ${mode === 'backfill' ? 'Strava history is' : 'latest activities are'} being imported now; new activities arrive within seconds of Strava receiving them.`,
      ];
      if (access === 'public') lines.push('Private activities will not be imported: you did not grant “View data about your private activities”. Connect again with it ticked to include them.');
      // "Sign in with Strava": a browser not signed in yet is now signed in as this athlete.
      if (request.webSession === null) await startWebSession(request, reply, result.athlete.id);
      lines.push('<a href="/app">Open Kinetic</a>');
      return sendPage(reply, 200, 'Strava connected', lines);
    },
  );

  app.get(
    '/athletes/:id/strava',
    {
      schema: { tags: ['strava'], summary: "the athlete's Strava connection (needs_reauth when the tokens stopped working)", params: IdParams, response: { 200: Connection, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const c = await findConnection(db, athlete.id);
      if (c === undefined) return { connected: false, stravaAthleteId: null, status: null, statusReason: null, scopes: null, backfill: null, lastSyncAt: null };
      return {
        connected: true,
        stravaAthleteId: c.strava_athlete_id,
        status: c.status,
        statusReason: c.status_reason,
        scopes: c.scopes,
        backfill: c.backfill_done_at !== null ? ('done' as const) : c.backfill_before !== null ? ('running' as const) : ('not_started' as const),
        lastSyncAt: isoOrNull(c.last_sync_at),
      };
    },
  );

  app.post(
    '/athletes/:id/strava/sync',
    {
      schema: {
        tags: ['strava'],
        summary: 'queue a sync now (the backfill if it has not finished, else the activities since the newest known)',
        params: IdParams,
        response: { 202: z.object({ queued: z.enum(['backfill', 'incremental']) }), ...errorResponses(401, 404), 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const c = await findConnection(db, athlete.id);
      if (c === undefined || c.status !== 'active') throw new ApiError(409, 'not_connected', c === undefined ? 'the athlete has no Strava connection' : 'the Strava connection needs re-authorisation: connect again');
      const mode = c.backfill_done_at === null ? 'backfill' : 'incremental';
      await jobs.enqueue('strava-sync', { athleteId: athlete.id, mode });
      return reply.status(202).send({ queued: mode });
    },
  );

  app.delete(
    '/athletes/:id/strava',
    {
      schema: {
        tags: ['strava'],
        summary: 'disconnect: revoke access on Strava and delete every activity obtained from Strava (FIT uploads stay)',
        params: IdParams,
        response: { 204: z.null().meta({ description: 'disconnected' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      const c = await findConnection(db, athlete.id);
      if (c === undefined) throw new ApiError(404, 'not_found', 'the athlete has no Strava connection');
      await revokeStravaAccess(app, athlete.id);
      const dates = await db.transaction().execute((trx) => deleteStravaData(trx, athlete.id, c.strava_athlete_id));
      await queueAnalysis(jobs, athlete.id, dates);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/strava',
    {
      // The request line carries the verify token: no access log line for it.
      logLevel: 'warn',
      schema: {
        tags: ['strava'],
        summary: "Strava's subscription check: echoes hub.challenge when hub.verify_token matches STRAVA_VERIFY_TOKEN",
        querystring: z.object({ 'hub.mode': z.string().optional(), 'hub.challenge': z.string().max(500), 'hub.verify_token': z.string().max(500) }),
        response: { 200: z.object({ 'hub.challenge': z.string() }), ...errorResponses(400, 403, 503) },
      },
    },
    (request) => {
      const expected = config.strava.verifyToken;
      if (expected === undefined) throw new ApiError(503, 'strava_not_configured', 'STRAVA_VERIFY_TOKEN is not set on this server');
      if (request.query['hub.verify_token'] !== expected) throw new ApiError(403, 'forbidden', 'hub.verify_token does not match');
      return Promise.resolve({ 'hub.challenge': request.query['hub.challenge'] });
    },
  );

  app.post(
    '/webhooks/strava',
    {
      schema: {
        tags: ['strava'],
        summary: 'a Strava webhook event: stored, its job queued, 200 at once',
        response: { 200: z.object({ ok: z.literal(true), duplicate: z.boolean() }), ...errorResponses(400, 403) },
      },
    },
    async (request) => {
      const parsed = WebhookEvent.safeParse(request.body);
      if (!parsed.success) throw new ApiError(400, 'validation_failed', `not a Strava webhook event: ${describeIssues(parsed.error)}`);
      const event = parsed.data;
      // Events are not signed: the subscription id (known only to Strava and us) is the check.
      if (!(await listSubscriptionIds(db)).includes(event.subscription_id)) throw new ApiError(403, 'forbidden', `unknown subscription_id ${event.subscription_id}`);
      const stored = await storeEvent(db, event, now());
      await jobs.enqueue('strava-event', { eventId: stored.id });
      return { ok: true as const, duplicate: !stored.created };
    },
  );
}
