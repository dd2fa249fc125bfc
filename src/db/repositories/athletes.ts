import type { Kysely, Transaction } from 'kysely';
import type { Athlete, AthleteUpdate, Database, NewAthlete } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export class AthleteNotFoundError extends Error {
  override name = 'AthleteNotFoundError';
}

export async function createAthlete(db: Db, values: NewAthlete): Promise<Athlete> {
  return db.insertInto('athletes').values(values).returningAll().executeTakeFirstOrThrow();
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

export async function updateAthlete(db: Db, id: string, changes: AthleteUpdate): Promise<Athlete> {
  return db.updateTable('athletes').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
