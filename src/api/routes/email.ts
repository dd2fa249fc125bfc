/**
 * The unsubscribe link of report emails (docs/report.md, "Email"). The random token in the link is
 * the only credential: it can turn the athlete's report emails off or on, nothing else. GET shows
 * the setting with a button (link scanners that open links change nothing); POST changes it;
 * `POST /email/unsubscribe` is the one-click unsubscribe of RFC 8058 (`List-Unsubscribe-Post`).
 * Requests carry the token in the URL, so they are not logged (route log level `warn`).
 */
import formbody from '@fastify/formbody';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { findAthlete } from '../../db/repositories/athletes.ts';
import { preferencesByToken, setReportsEnabled, type EmailPreferences } from '../../db/repositories/deliveries.ts';
import { renderEmailPreferencesHtml } from '../../report/html.ts';
import { notFound } from '../../http/errors.ts';
import type { ApiApp } from '../../http/app.ts';

const TokenQuery = z.object({ token: z.string().min(16).max(200).meta({ description: 'the token of the link in the email' }) });
const PrefsBody = z.object({ reports: z.enum(['on', 'off']) }).partial().optional();

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const page = { 200: z.string().meta({ description: 'HTML page' }) };

export async function emailRoutes(app: ApiApp): Promise<void> {
  const { db, now } = app.deps;
  await app.register(formbody);

  async function prefsOf(token: string): Promise<EmailPreferences> {
    const prefs = await preferencesByToken(db, token);
    if (prefs === undefined) throw notFound('email settings link (mistyped, or the account was deleted)');
    return prefs;
  }

  async function show(reply: FastifyReply, prefs: EmailPreferences, token: string, notice?: string): Promise<FastifyReply> {
    const athlete = await findAthlete(db, prefs.athleteId);
    if (athlete === undefined) throw notFound('email settings link (mistyped, or the account was deleted)');
    const html = renderEmailPreferencesHtml({
      athleteName: athlete.name,
      enabled: prefs.reportsEnabled,
      action: `/email/preferences?token=${encodeURIComponent(token)}`,
      settings: '/app/settings',
      ...(notice !== undefined && { notice }),
    });
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  }

  for (const path of ['/email/preferences', '/email/unsubscribe']) {
    app.get(
      path,
      { logLevel: 'warn', schema: { tags: ['email'], summary: 'report emails on or off: the page of the link in every report email', querystring: TokenQuery, response: page } },
      async (request, reply) => show(reply, await prefsOf(request.query.token), request.query.token),
    );
  }

  app.post(
    '/email/preferences',
    {
      logLevel: 'warn',
      schema: { tags: ['email'], summary: 'turn report emails on or off (form field reports=on|off)', querystring: TokenQuery, body: PrefsBody, response: page },
    },
    async (request, reply) => {
      const token = request.query.token;
      await prefsOf(token);
      const enabled = request.body?.reports !== 'off';
      const prefs = (await setReportsEnabled(db, token, enabled, now()))!;
      return show(reply, prefs, token, enabled ? 'Weekly report emails are on again.' : 'You will get no more weekly report emails.');
    },
  );

  app.post(
    '/email/unsubscribe',
    {
      logLevel: 'warn',
      schema: {
        tags: ['email'],
        summary: 'one-click unsubscribe from report emails (RFC 8058: List-Unsubscribe=One-Click)',
        querystring: TokenQuery,
        body: z.record(z.string(), z.unknown()).optional(),
        response: page,
      },
    },
    async (request, reply) => {
      const token = request.query.token;
      await prefsOf(token);
      const prefs = (await setReportsEnabled(db, token, false, now()))!;
      return show(reply, prefs, token, 'You will get no more weekly report emails.');
    },
  );
}
