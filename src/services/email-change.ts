/**
 * Changing an athlete's email address (docs/web.md, "Changing the email address"). The address is
 * how an athlete signs in, so a change takes effect only once the new address confirms it:
 *
 * 1. `requestEmailChange` stores the change as pending (the SHA-256 of a 256-bit token, expiring
 *    after EMAIL_CHANGE_HOURS; a newer request replaces an older one), mails the confirmation link
 *    `<base>/email/confirm?token=…` to the NEW address, and tells the OLD address (if any) that a
 *    change was asked for. The old address keeps working meanwhile.
 * 2. `confirmEmailChange` uses the link once: the athlete's email becomes the new address, unless
 *    another athlete has it by then (addresses are unique).
 *
 * The administrator's changes (`kinetic athlete update --email`, `PATCH /athletes/:id` with the admin
 * token) are direct and do not come here.
 */
import type { Kysely } from 'kysely';
import { findAthlete, EmailTakenError, updateAthlete } from '../db/repositories/athletes.ts';
import { consumeEmailChange, deleteEmailChange, putEmailChange, type PendingEmailChange } from '../db/repositories/email-changes.ts';
import { deleteLoginLinksOf } from '../db/repositories/web-sessions.ts';
import type { Athlete, Database } from '../db/schema.ts';
import type { Mailer, OutgoingMail } from '../email/smtp.ts';
import type { Logger } from '../log.ts';
import { newSecret, sha256Hex } from './web-sessions.ts';

/** How long the confirmation link works. */
export const EMAIL_CHANGE_HOURS = 24;

/** No SMTP server: the new address cannot confirm, so the email cannot change (except by the administrator). */
export class EmailChangeUnavailableError extends Error {
  override name = 'EmailChangeUnavailableError';
  constructor() {
    super('changing the email address needs SMTP_URL on the server: the new address confirms the change from a link mailed to it');
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function mail(to: string, subject: string, paragraphs: { text: string; link?: { href: string; label: string } }[]): OutgoingMail {
  return {
    to,
    subject,
    text: `${paragraphs.map((p) => (p.link === undefined ? p.text : `${p.text}\n\n${p.link.href}`)).join('\n\n')}\n`,
    html: paragraphs.map((p) => `<p>${escapeHtml(p.text)}</p>${p.link === undefined ? '' : `<p><a href="${escapeHtml(p.link.href)}">${escapeHtml(p.link.label)}</a></p>`}`).join(''),
    attachments: [],
    headers: {},
  };
}

/**
 * Makes `email` the athlete's pending new address and sends the two mails. The confirmation mail
 * must go out (else the change is dropped and the send error thrown); the notice to the old address
 * is best effort (logged when it fails).
 */
export async function requestEmailChange(
  deps: { db: Kysely<Database>; mailer: Mailer | undefined; log: Logger },
  o: { athlete: Athlete; email: string; base: string; now: Date },
): Promise<PendingEmailChange> {
  const { db, mailer, log } = deps;
  if (mailer === undefined) throw new EmailChangeUnavailableError();
  const token = newSecret();
  const expiresAt = new Date(o.now.getTime() + EMAIL_CHANGE_HOURS * 3_600_000);
  await putEmailChange(db, { athleteId: o.athlete.id, email: o.email, tokenHash: sha256Hex(token), now: o.now, expiresAt });
  const link = `${o.base.replace(/\/+$/, '')}/email/confirm?token=${encodeURIComponent(token)}`;
  try {
    await mailer.send(
      mail(o.email, 'Confirm your new Kinetic email address', [
        { text: `Someone signed in to Kinetic as ${o.athlete.name} asked to use ${o.email} as their email address. Open this link to confirm it:`, link: { href: link, label: 'Confirm my new email address' } },
        { text: `It works once, for ${EMAIL_CHANGE_HOURS} hours. Until then the account keeps its old address. If you did not ask for this, ignore this email: nothing changes.` },
      ]),
    );
  } catch (err) {
    await deleteEmailChange(db, o.athlete.id);
    throw err;
  }
  if (o.athlete.email !== null) {
    try {
      await mailer.send(
        mail(o.athlete.email, 'Your Kinetic email address is about to change', [
          { text: `Someone signed in to your Kinetic account asked to change its email address from ${o.athlete.email} to ${o.email}.` },
          {
            text: `Nothing changes until the new address confirms from the link we sent it (within ${EMAIL_CHANGE_HOURS} hours); until then you sign in with ${o.athlete.email} as before. If this was not you, sign in, save your own address again in the settings, and tell the operator of this Kinetic server.`,
          },
        ]),
      );
    } catch (err) {
      log.warn({ athleteId: o.athlete.id, err: err instanceof Error ? err.message : String(err) }, 'email change: notice to the old address not sent');
    }
  }
  log.info({ athleteId: o.athlete.id }, 'email change requested: confirmation link sent to the new address');
  return { athleteId: o.athlete.id, email: o.email, expiresAt };
}

export type EmailChangeResult =
  | { kind: 'changed'; athleteId: string; email: string; previous: string | null }
  | { kind: 'invalid' }
  | { kind: 'taken'; email: string };

/** Uses a confirmation link (the token as mailed). */
export async function confirmEmailChange(db: Kysely<Database>, token: string, now: Date): Promise<EmailChangeResult> {
  const change = token === '' ? undefined : await consumeEmailChange(db, sha256Hex(token), now);
  if (change === undefined) return { kind: 'invalid' };
  const athlete = await findAthlete(db, change.athleteId);
  if (athlete === undefined) return { kind: 'invalid' };
  try {
    await db.transaction().execute(async (trx) => {
      await updateAthlete(trx, athlete.id, { email: change.email });
      // Sign-in links still out for the old address would now make a new account: they go.
      if (athlete.email !== null) await deleteLoginLinksOf(trx, athlete.email.toLowerCase());
    });
  } catch (err) {
    if (err instanceof EmailTakenError) return { kind: 'taken', email: change.email };
    throw err;
  }
  return { kind: 'changed', athleteId: athlete.id, email: change.email, previous: athlete.email };
}
