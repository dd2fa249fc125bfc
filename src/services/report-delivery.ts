/**
 * Delivering a stored weekly report by email (the `report-delivery` job; docs/report.md, "Email").
 *
 * - Once per athlete-week: the delivery row is unique on (athlete, week), and the send happens with
 *   that row locked, so a second run — a retry, a re-queued job, a regenerated report (same report
 *   id), another worker — waits for the first and then finds it `sent`. A regenerated report is not
 *   sent again: the email links to the web page, which shows the current version.
 * - Never lost silently: every outcome is recorded on the row. A refused or failed send is recorded
 *   (`bounced` for a 5xx refusal, `failed` otherwise, with the server's reply and the attempt count)
 *   and rethrown, so the job retries it; when the retries run out the job stays in the failed set
 *   with its payload. An athlete without an email address, or unsubscribed, is recorded `skipped`.
 * - At most once is not promised across a crash between the server's "250 OK" and the row update
 *   (the retry sends again); the Message-ID is fixed per delivery, so such a duplicate can be told.
 */
import type { Kysely } from 'kysely';
import { claimDelivery, ensureEmailPreferences, lockDelivery, updateDelivery, type Delivery } from '../db/repositories/deliveries.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import { getReportById } from '../db/repositories/reports.ts';
import type { Database } from '../db/schema.ts';
import { chartAttachment, fontsAvailable } from '../email/png.ts';
import { MailSendError, toMailSendError, type Mailer, type OutgoingMail } from '../email/smtp.ts';
import type { Logger } from '../log.ts';
import { CHART_FONT } from '../report/charts.ts';
import { composeReportEmail, type ReportEmailOptions } from '../report/email.ts';
import type { ReportModel } from '../report/model.ts';

export interface DeliveryDeps {
  db: Kysely<Database>;
  log: Logger;
  now: () => Date;
  /** Undefined when this process has no SMTP configuration. */
  mail: Mailer | undefined;
}

/** The report does not exist (any more): nothing to deliver, and retrying cannot change that. */
export class ReportGoneError extends Error {
  override name = 'ReportGoneError';
}

/** This process cannot send email (SMTP_URL or KINETIC_PUBLIC_URL missing): retried, so a fixed configuration delivers. */
export class EmailNotConfiguredError extends Error {
  override name = 'EmailNotConfiguredError';
}

export type DeliveryOutcome =
  | { status: 'sent'; deliveryId: string; messageId: string; attempts: number }
  | { status: 'skipped'; deliveryId: string; reason: string }
  /** Done by an earlier run: nothing was sent now. */
  | { status: 'already_sent' | 'already_skipped'; deliveryId: string };

export interface ReportMailOptions extends ReportEmailOptions {
  to: string;
  /** A fixed Message-ID (`<…@…>`), e.g. from the delivery id. */
  messageId?: string;
  /** PNG scale of the charts; 2 is sharp on high-density screens. */
  pngScale?: number;
}

/** The report email as the mailer sends it: the composed message, with its charts as inline PNG attachments. */
export function reportMail(model: ReportModel, opts: ReportMailOptions): OutgoingMail {
  const { charts, ...content } = composeReportEmail(model, opts);
  return {
    to: opts.to,
    ...content,
    attachments: charts.map((c) => chartAttachment(c, opts.pngScale ?? 2)),
    ...(opts.messageId !== undefined && { messageId: opts.messageId }),
  };
}

let warnedFonts = false;

export async function deliverReport(deps: DeliveryDeps, reportId: string): Promise<DeliveryOutcome> {
  const report = await getReportById(deps.db, reportId);
  if (report === undefined) throw new ReportGoneError(`weekly report ${reportId} not found (deleted with its athlete?)`);
  const athlete = await findAthlete(deps.db, report.athleteId);
  if (athlete === undefined) throw new ReportGoneError(`athlete ${report.athleteId} of report ${reportId} not found`);
  const log = deps.log.child({ reportId, athleteId: athlete.id, isoWeek: report.isoWeek });

  const delivery = await claimDelivery(deps.db, { reportId, athleteId: athlete.id, isoWeek: report.isoWeek });
  const done = alreadyDone(delivery);
  if (done !== undefined) return done;

  const skip = async (reason: string): Promise<DeliveryOutcome> => {
    await updateDelivery(deps.db, delivery.id, { status: 'skipped', lastError: reason, attempted: false, at: deps.now() });
    log.info({ deliveryId: delivery.id, reason }, 'report email skipped');
    return { status: 'skipped', deliveryId: delivery.id, reason };
  };
  const email = athlete.email?.trim() ?? '';
  if (email === '') return skip('the athlete has no email address');
  const prefs = await ensureEmailPreferences(deps.db, athlete.id);
  if (!prefs.reportsEnabled) return skip('the athlete unsubscribed from report emails');

  const missing = deps.mail === undefined ? 'SMTP_URL' : deps.mail.publicUrl === undefined ? 'KINETIC_PUBLIC_URL' : null;
  if (deps.mail === undefined || deps.mail.publicUrl === undefined) {
    const message = `email is not configured in this process: ${missing} is not set`;
    await updateDelivery(deps.db, delivery.id, { status: 'failed', lastError: message, attempted: false, at: deps.now() });
    throw new EmailNotConfiguredError(message);
  }
  const mailer = deps.mail;
  if (!warnedFonts && !fontsAvailable(CHART_FONT)) {
    warnedFonts = true;
    log.warn('no system font found: the charts in report emails will have no text (install e.g. fonts-dejavu-core)');
  }

  const host = new URL(mailer.publicUrl!).hostname || 'kinetic.invalid';
  const message = reportMail(report.document, {
    to: email,
    publicUrl: mailer.publicUrl!,
    unsubscribeToken: prefs.unsubscribeToken,
    generatedAt: report.generatedAt,
    messageId: `<report-${delivery.id}@${host}>`,
  });

  // The send happens with the row locked: a concurrent run waits here and then finds it sent.
  const result = await deps.db.transaction().execute(async (trx): Promise<{ outcome: DeliveryOutcome } | { outcome?: undefined; error: MailSendError }> => {
    const row = await lockDelivery(trx, delivery.id);
    if (row === undefined) throw new ReportGoneError(`delivery ${delivery.id} disappeared (report deleted?)`);
    const finished = alreadyDone(row);
    if (finished !== undefined) return { outcome: finished };
    try {
      const sent = await mailer.send(message);
      const after = await updateDelivery(trx, row.id, { status: 'sent', lastError: null, attempted: true, recipient: email, messageId: sent.messageId, sentAt: deps.now(), at: deps.now() });
      log.info({ deliveryId: row.id, messageId: sent.messageId, attempts: after.attempts, response: sent.response }, 'report email sent');
      return { outcome: { status: 'sent', deliveryId: row.id, messageId: sent.messageId, attempts: after.attempts } };
    } catch (err) {
      const e = err instanceof MailSendError ? err : toMailSendError(err);
      const status = e.permanent ? 'bounced' : 'failed';
      const after = await updateDelivery(trx, row.id, { status, lastError: e.message, attempted: true, recipient: email, at: deps.now() });
      log.warn({ deliveryId: row.id, status, attempts: after.attempts, err: e.message }, 'report email not delivered; the job retries it');
      // Committed with the row's new status; thrown after the transaction, so the job retries.
      return { error: e };
    }
  });
  if (result.outcome === undefined) throw result.error;
  return result.outcome;
}

function alreadyDone(d: Delivery): DeliveryOutcome | undefined {
  if (d.status === 'sent') return { status: 'already_sent', deliveryId: d.id };
  if (d.status === 'skipped') return { status: 'already_skipped', deliveryId: d.id };
  return undefined;
}
