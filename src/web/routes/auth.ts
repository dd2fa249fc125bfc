/**
 * Signing in and out of the web app (docs/web.md).
 *
 * Email sign-in: `POST /signin` stores a one-time link (SHA-256 of a 256-bit token, 15 minutes) and
 * mails it; the answer is the same whether or not an athlete has that address (nothing leaks).
 * Opening the link (`GET /signin/verify`) shows a button; only its POST uses the link — mail scanners
 * that fetch links do not sign anyone in or burn the link. An address no athlete has yet becomes a
 * new athlete (named after the address, in the browser's time zone).
 *
 * The link starts with `app.publicBase` (KINETIC_PUBLIC_URL or the listen address), never with the
 * request's Host. Requests are rate-limited per client address and per email address (lower-cased,
 * `+tag` removed): over a limit, a 429 page with Retry-After, and nothing is sent.
 */
import { z } from 'zod';
import formbody from '@fastify/formbody';
import { createAthlete, EmailTakenError } from '../../db/repositories/athletes.ts';
import { athleteIdByEmail, consumeLoginLink, deleteWebSession, liveLoginLinks } from '../../db/repositories/web-sessions.ts';
import { isValidTimeZone } from '../../domain/time.ts';
import type { ApiApp } from '../../http/app.ts';
import { addressKey, clientKey, requestLimit, waitText } from '../../http/rate-limit.ts';
import { html } from '../html.ts';
import { page, sendHtml } from '../layout.ts';
import { MailNotConfiguredError, sendSignInMail } from '../mailer.ts';
import { csrfOf, csrfToken, SESSION_COOKIE, startWebSession, validCsrf } from '../../http/session.ts';
import { issueSignInLink, SIGN_IN_LINK_MINUTES, sha256Hex } from '../../services/web-sessions.ts';
import { hideFromOpenApi, registerWebErrors, requireCsrf } from '../guard.ts';

/** At most this many unused, unexpired links per address: more requests are answered the same, but send nothing. */
const MAX_LIVE_LINKS = 5;
/** Windows of the sign-in limits (their sizes: KINETIC_SIGNIN_RATE_LIMIT_ADDRESS and _IP). */
const ADDRESS_WINDOW_MS = 3_600_000;
const IP_WINDOW_MS = 15 * 60_000;

const SignInForm = z.object({ _csrf: z.string().optional(), email: z.string().trim().max(320).optional(), timezone: z.string().max(100).optional() });
const VerifyForm = z.object({ _csrf: z.string().optional(), token: z.string().max(200).optional() });

export async function webAuthRoutes(app: ApiApp): Promise<void> {
  const { db, config, now } = app.deps;
  const perIp = requestLimit(app, { max: config.rateLimits.signinPerIpPer15Min, windowMs: IP_WINDOW_MS, key: (request) => `signin:ip:${clientKey(request)}` });
  const perAddress = requestLimit(app, {
    max: config.rateLimits.signinPerAddressPerHour,
    windowMs: ADDRESS_WINDOW_MS,
    key: (request) => {
      const email = (request.body as { email?: unknown } | undefined)?.email;
      return `signin:address:${addressKey(typeof email === 'string' ? email : '')}`;
    },
  });
  hideFromOpenApi(app);
  await app.register(formbody);
  registerWebErrors(app);

  // Shown when this server has a Strava application: its callback signs the browser in.
  const stravaSignIn =
    app.deps.config.strava.clientId === undefined
      ? html``
      : html`<section aria-labelledby="strava-signin"><h2 id="strava-signin">Sign in with Strava</h2>
<p><a class="button" href="/auth/strava" data-browser-timezone-link>Sign in with Strava</a></p>
<p class="hint">Your Strava activities are imported; a Strava account new to Kinetic starts a new account.</p></section>`;

  function signInPage(csrf: string, o: { notice?: string; error?: string; email?: string } = {}) {
    return page({
      title: 'Sign in',
      section: 'signin',
      csrf,
      ...(o.notice !== undefined && { notice: o.notice }),
      ...(o.error !== undefined && { error: o.error }),
      body: html`<p>Kinetic compares your training with your marathon plan, week by week.</p>
<section aria-labelledby="email-signin"><h2 id="email-signin">Sign in with email</h2>
<form method="post" action="/signin" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="timezone" value="" data-browser-timezone>
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${o.email ?? ''}">
<button type="submit">Email me a sign-in link</button>
</form>
<p class="hint">We send a link that signs you in once, within ${SIGN_IN_LINK_MINUTES} minutes. A new address starts a new account.</p></section>
${stravaSignIn}`,
    });
  }

  app.get('/', async (request, reply) => {
    if (request.webSession !== null) return reply.redirect('/app', 303);
    return sendHtml(reply, signInPage(csrfToken(request, reply)));
  });

  app.get('/signin', async (request, reply) => {
    if (request.webSession !== null) return reply.redirect('/app', 303);
    const deleted = (request.query as { deleted?: unknown }).deleted === '1';
    return sendHtml(reply, signInPage(csrfToken(request, reply), deleted ? { notice: 'Your account and all its data were deleted.' } : {}));
  });

  app.post('/signin', { preHandler: requireCsrf }, async (request, reply) => {
    const form = SignInForm.parse(request.body ?? {});
    const csrf = csrfToken(request, reply);
    const email = (form.email ?? '').toLowerCase();
    const tooMany = (seconds: number, what: string) => {
      request.log.warn({ limit: what }, 'sign-in refused: rate limit');
      void reply.header('retry-after', seconds);
      return sendHtml(reply, signInPage(csrf, { error: `Too many sign-in emails were asked for ${what}. Please wait ${waitText(seconds)} and try again.`, email }), 429);
    };
    const ipWait = await perIp(request);
    if (ipWait !== null) return tooMany(ipWait, 'from your network');
    if (!z.email().safeParse(email).success) return sendHtml(reply, signInPage(csrf, { error: 'Enter an email address, like name@example.com.', email }), 400);
    const addressWait = await perAddress(request);
    if (addressWait !== null) return tooMany(addressWait, 'this address');
    const at = now();
    const base = app.publicBase.url;
    const sentPage = page({ title: 'Check your email', section: 'signin', csrf, body: html`<p role="status">If <strong>${email}</strong> is right, a sign-in link is on its way. It works once, for ${SIGN_IN_LINK_MINUTES} minutes.</p><p><a href="/signin">Use another address</a></p>` });
    if ((await liveLoginLinks(db, email, at)) >= MAX_LIVE_LINKS) {
      request.log.warn('sign-in link not sent: too many unused links for this address');
      return sendHtml(reply, sentPage);
    }
    try {
      if (config.smtpUrl === undefined) throw new MailNotConfiguredError();
      const timezone = form.timezone !== undefined && isValidTimeZone(form.timezone) ? form.timezone : null;
      const link = await issueSignInLink(db, { base, email, timezone, now: at });
      await sendSignInMail(config, { to: email, link, minutes: SIGN_IN_LINK_MINUTES });
    } catch (err) {
      if (err instanceof MailNotConfiguredError) return sendHtml(reply, signInPage(csrf, { error: `Email sign-in is not available: ${err.message}.`, email }), 503);
      request.log.error({ err }, 'sign-in email not sent');
      return sendHtml(reply, signInPage(csrf, { error: 'The sign-in email could not be sent. Try again in a minute.', email }), 502);
    }
    request.log.info('sign-in link sent');
    return sendHtml(reply, sentPage);
  });

  app.get('/signin/verify', async (request, reply) => {
    const token = typeof (request.query as { token?: unknown }).token === 'string' ? (request.query as { token: string }).token : '';
    const csrf = csrfToken(request, reply);
    return sendHtml(
      reply,
      page({
        title: 'Sign in',
        section: 'signin',
        csrf,
        body: html`<form method="post" action="/signin/verify" class="stack">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}">
<p>Continue to sign in to Kinetic in this browser.</p>
<button type="submit" autofocus>Sign in</button></form>`,
      }),
    );
  });

  app.post('/signin/verify', { preHandler: requireCsrf }, async (request, reply) => {
    const form = VerifyForm.parse(request.body ?? {});
    const at = now();
    const link = form.token === undefined || form.token === '' ? undefined : await consumeLoginLink(db, sha256Hex(form.token), at);
    if (link === undefined) {
      return sendHtml(reply, signInPage(csrfToken(request, reply), { error: 'That sign-in link has expired or was already used. Ask for a new one.' }), 400);
    }
    const signInAs = () =>
      db.transaction().execute(async (trx) => {
        const existing = await athleteIdByEmail(trx, link.email);
        if (existing !== undefined) return existing;
        const created = await createAthlete(trx, { name: link.email.split('@')[0]!, email: link.email, timezone: link.timezone ?? 'UTC' });
        request.log.info({ athleteId: created.id }, 'athlete created by email sign-in');
        return created.id;
      });
    // Two links of one new address used at once: the second finds the athlete the first created.
    const athleteId = await signInAs().catch((err: unknown) => {
      if (err instanceof EmailTakenError) return signInAs();
      throw err;
    });
    await startWebSession(request, reply, athleteId);
    return reply.redirect('/app', 303);
  });

  app.post('/signout', async (request, reply) => {
    // Signing out needs the session's CSRF token; without a session there is nothing to end.
    if (request.webSession !== null) {
      if (!validCsrf(request, csrfOf(request))) return reply.redirect('/app', 303);
      await deleteWebSession(db, request.webSession.id);
    }
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/signin', 303);
  });
}
