import type { Kysely, Transaction } from 'kysely';
import type { Athlete, AthleteUpdate, Database, NewAthlete } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export class AthleteNotFoundError extends Error {
  override name = 'AthleteNotFoundError';
}

/** Another athlete already has this email address (any letter case): addresses are unique, they sign in. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  constructor(readonly email: string) {
    super(`another athlete already has the email address ${email}`);
  }
}

/** True for the unique violation of `athletes_email_lower_key` (Postgres and PGlite errors carry the code). */
export function isEmailTaken(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  return e !== null && typeof e === 'object' && e.code === '23505' && (e.constraint === 'athletes_email_lower_key' || String(e.message).includes('athletes_email_lower_key'));
}

async function emailChecked<T>(email: string | null | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isEmailTaken(err)) throw new EmailTakenError(email ?? '');
    throw err;
  }
}

/** Throws `EmailTakenError` when another athlete has the email. In a transaction, the transaction is then aborted. */
export async function createAthlete(db: Db, values: NewAthlete): Promise<Athlete> {
  return emailChecked(values.email, () => db.insertInto('athletes').values(values).returningAll().executeTakeFirstOrThrow());
}

export async function listAthletes(db: Db): Promise<Athlete[]> {
  return db.selectFrom('athletes').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findAthlete(db: Db, id: string): Promise<Athlete | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom('athletes').selectAll().where('id', '=', id).executeTakeFirst();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The athlete a command is about: the id (or a unique id prefix of at least 4 characters) when
 * given, else the only athlete there is.
 */
export async function resolveAthlete(db: Db, ref: string | undefined): Promise<Athlete> {
  if (ref === undefined) {
    const all = await db.selectFrom('athletes').selectAll().limit(2).execute();
    if (all.length === 1) return all[0]!;
    throw new AthleteNotFoundError(
      all.length === 0
        ? 'no athlete yet: create one with `kinetic athlete add --name NAME`'
        : 'several athletes: choose one with --athlete ID (see `kinetic athlete list`)',
    );
  }
  const exact = await findAthlete(db, ref);
  if (exact !== undefined) return exact;
  if (/^[0-9a-f-]{4,36}$/i.test(ref)) {
    const matches = await db
      .selectFrom('athletes')
      .selectAll()
      .where((eb) => eb(eb.cast('id', 'text'), 'like', `${ref.toLowerCase()}%`))
      .limit(2)
      .execute();
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new AthleteNotFoundError(`athlete id prefix ${ref} is ambiguous: give more characters`);
  }
  throw new AthleteNotFoundError(`no athlete with id ${ref}`);
}

/** Throws `EmailTakenError` when the new email is another athlete's. */
export async function updateAthlete(db: Db, id: string, changes: AthleteUpdate): Promise<Athlete> {
  return emailChecked(changes.email, () => db.updateTable('athletes').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow());
}
