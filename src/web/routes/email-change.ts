/**
 * Confirming a new email address (docs/web.md, "Changing the email address"): the link mailed to the
 * new address (`GET /email/confirm?token=…`) shows a button; only its POST uses the link, so mail
 * scanners that fetch links neither change the address nor burn the link. It works in any browser,
 * signed in or not: the token is the proof that the new inbox agrees.
 */
import { z } from 'zod';
import formbody from '@fastify/formbody';
import type { ApiApp } from '../../http/app.ts';
import { csrfToken } from '../../http/session.ts';
import { confirmEmailChange, EMAIL_CHANGE_HOURS } from '../../services/email-change.ts';
import { hideFromOpenApi, registerWebErrors, requireCsrf } from '../guard.ts';
import { html } from '../html.ts';
import { page, sendHtml } from '../layout.ts';

const ConfirmForm = z.object({ _csrf: z.string().optional(), token: z.string().max(200).optional() });

export async function webEmailChangeRoutes(app: ApiApp): Promise<void> {
  const { db, now } = app.deps;
  hideFromOpenApi(app);
  await app.register(formbody);
  registerWebErrors(app);

  app.get('/email/confirm', async (request, reply) => {
    const q = request.query as { token?: unknown };
    const token = typeof q.token === 'string' ? q.token : '';
    const csrf = csrfToken(request, reply);
    return sendHtml(
      reply,
      page({
        title: 'Confirm your email address',
        section: 'signin',
        csrf,
        body: html`<form method="post" action="/email/confirm" class="stack">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}">
<p>Use this address for your Kinetic account? From then on you sign in with it, and reports come to it.</p>
<button type="submit" autofocus>Confirm my new email address</button></form>`,
      }),
    );
  });

  app.post('/email/confirm', { preHandler: requireCsrf }, async (request, reply) => {
    const form = ConfirmForm.parse(request.body ?? {});
    const csrf = csrfToken(request, reply);
    const result = await confirmEmailChange(db, form.token ?? '', now());
    const back = html`<p><a href="${request.webSession === null ? '/signin' : '/app/settings'}">Back to Kinetic</a></p>`;
    if (result.kind === 'invalid') {
      return sendHtml(
        reply,
        page({ title: 'Email not changed', section: 'signin', csrf, error: `That link has expired or was already used (links work once, for ${EMAIL_CHANGE_HOURS} hours). Change the address again in the settings to get a new one.`, body: back }),
        400,
      );
    }
    if (result.kind === 'taken') {
      return sendHtml(reply, page({ title: 'Email not changed', section: 'signin', csrf, error: `${result.email} already belongs to another Kinetic account, so it was not added to this one.`, body: back }), 409);
    }
    request.log.info({ athleteId: result.athleteId }, 'email change confirmed');
    return sendHtml(reply, page({ title: 'Email changed', section: 'signin', csrf, notice: `Your Kinetic email address is now ${result.email}. Sign in with it from now on.`, body: back }));
  });
}
