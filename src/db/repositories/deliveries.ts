/** Email deliveries of weekly reports (one per athlete-week) and the athletes' email preferences. */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, DeliveryStatus, ReportDeliveriesTable } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface Delivery {
  id: string;
  reportId: string;
  athleteId: string;
  isoWeek: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  recipient: string | null;
  messageId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

function toDelivery(r: Selectable<ReportDeliveriesTable>): Delivery {
  return {
    id: r.id,
    reportId: r.report_id,
    athleteId: r.athlete_id,
    isoWeek: r.iso_week,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    recipient: r.recipient,
    messageId: r.message_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

/**
 * The delivery of the athlete-week, created (`queued`) when there is none. The unique constraint on
 * (athlete, week) makes this the one row however many jobs, retries or regenerated reports ask.
 */
export async function claimDelivery(db: Db, key: { reportId: string; athleteId: string; isoWeek: string }): Promise<Delivery> {
  await db
    .insertInto('report_deliveries')
    .values({ report_id: key.reportId, athlete_id: key.athleteId, iso_week: key.isoWeek })
    .onConflict((oc) => oc.columns(['athlete_id', 'iso_week']).doNothing())
    .execute();
  const row = await db
    .selectFrom('report_deliveries')
    .selectAll()
    .where('athlete_id', '=', key.athleteId)
    .where('iso_week', '=', key.isoWeek)
    .executeTakeFirstOrThrow();
  return toDelivery(row);
}

/** Locks the delivery row until the transaction ends (a second sender waits, then sees the outcome). */
export async function lockDelivery(trx: Transaction<Database>, id: string): Promise<Delivery | undefined> {
  const row = await trx.selectFrom('report_deliveries').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row === undefined ? undefined : toDelivery(row);
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  lastError: string | null;
  /** True when an SMTP send was attempted (counts in `attempts`). */
  attempted: boolean;
  recipient?: string | null;
  messageId?: string | null;
  sentAt?: Date | null;
  at: Date;
}

export async function updateDelivery(db: Db, id: string, u: DeliveryUpdate): Promise<Delivery> {
  const row = await db
    .updateTable('report_deliveries')
    .set((eb) => ({
      status: u.status,
      last_error: u.lastError,
      attempts: u.attempted ? eb('attempts', '+', 1) : eb.ref('attempts'),
      updated_at: u.at,
      ...(u.recipient !== undefined && { recipient: u.recipient }),
      ...(u.messageId !== undefined && { message_id: u.messageId }),
      ...(u.sentAt !== undefined && { sent_at: u.sentAt }),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toDelivery(row);
}

export async function getDelivery(db: Db, athleteId: string, isoWeek: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('report_deliveries').selectAll().where('athlete_id', '=', athleteId).where('iso_week', '=', isoWeek).executeTakeFirst();
  return row === undefined ? undefined : toDelivery(row);
}

/** The athlete's deliveries, newest week first. */
export async function deliveriesOf(db: Db, athleteId: string): Promise<Delivery[]> {
  const rows = await db.selectFrom('report_deliveries').selectAll().where('athlete_id', '=', athleteId).orderBy('iso_week', 'desc').execute();
  return rows.map(toDelivery);
}

// ---------------------------------------------------------------------------------------------------
// Email preferences

export interface EmailPreferences {
  athleteId: string;
  unsubscribeToken: string;
  reportsEnabled: boolean;
  updatedAt: Date;
}

function toPreferences(r: { athlete_id: string; unsubscribe_token: string; reports_enabled: boolean; updated_at: Date }): EmailPreferences {
  return { athleteId: r.athlete_id, unsubscribeToken: r.unsubscribe_token, reportsEnabled: r.reports_enabled, updatedAt: r.updated_at };
}

/** The athlete's preferences, created (reports on, a new random unsubscribe token) when there are none. */
export async function ensureEmailPreferences(db: Db, athleteId: string): Promise<EmailPreferences> {
  await db
    .insertInto('email_preferences')
    .values({ athlete_id: athleteId, unsubscribe_token: randomBytes(24).toString('base64url') })
    .onConflict((oc) => oc.column('athlete_id').doNothing())
    .execute();
  return toPreferences(await db.selectFrom('email_preferences').selectAll().where('athlete_id', '=', athleteId).executeTakeFirstOrThrow());
}

export async function preferencesByToken(db: Db, token: string): Promise<EmailPreferences | undefined> {
  const row = await db.selectFrom('email_preferences').selectAll().where('unsubscribe_token', '=', token).executeTakeFirst();
  return row === undefined ? undefined : toPreferences(row);
}

/** Turns report emails on or off for the holder of `token`; undefined when no athlete has it. */
export async function setReportsEnabled(db: Db, token: string, enabled: boolean, at: Date): Promise<EmailPreferences | undefined> {
  const row = await db
    .updateTable('email_preferences')
    .set({ reports_enabled: enabled, updated_at: at })
    .where('unsubscribe_token', '=', token)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toPreferences(row);
}
