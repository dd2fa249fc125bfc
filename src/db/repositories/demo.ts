/** The demo athlete: found by its reserved e-mail address, replaced on every `kinetic demo`. */
import type { Kysely, Transaction } from 'kysely';
import type { Athlete, Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function findAthleteByEmail(db: Db, email: string): Promise<Athlete[]> {
  return db
    .selectFrom('athletes')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Deletes an athlete and, by cascade, everything stored for them. */
export async function deleteAthlete(db: Db, id: string): Promise<void> {
  await db.deleteFrom('athletes').where('id', '=', id).execute();
}
