import { sql, type Kysely } from 'kysely';

/**
 * Email addresses are identities (docs/security.md, issue #17): sign-in looks an athlete up by email,
 * so no two athletes may share one, in any letter case.
 *
 * - Existing duplicates (same address ignoring case): the oldest athlete (created first, then lowest
 *   id) keeps it. Each other athlete's address moves to `previous_email` and its `email` becomes null,
 *   so nothing is lost; a line on stderr names each one. Such an athlete no longer signs in or gets
 *   report emails until an address of their own is set (`kinetic athlete update --email`).
 * - `athletes_email_lower_key`: unique index on `lower(email)`.
 * - `email_changes`: an athlete's pending change of address, confirmed from a link mailed to the new
 *   address (stored as the SHA-256 of its token, expiring); one per athlete, gone with the athlete.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('athletes').addColumn('previous_email', 'text').execute();
  const parked = await sql<{ id: string; previous_email: string; keeper: string }>`
    with ranked as (
      select id,
             row_number() over (partition by lower(email) order by created_at, id) as n,
             first_value(id) over (partition by lower(email) order by created_at, id) as keeper
      from athletes where email is not null
    )
    update athletes a set previous_email = a.email, email = null
    from ranked r where a.id = r.id and r.n > 1
    returning a.id, a.previous_email, r.keeper`.execute(db);
  for (const p of parked.rows) {
    process.stderr.write(
      `kinetic migration email_identity: athlete ${p.id} shared the email address ${p.previous_email} with the older athlete ${p.keeper}: its email is cleared and kept in athletes.previous_email\n`,
    );
  }
  await sql`create unique index athletes_email_lower_key on athletes (lower(email))`.execute(db);

  await db.schema
    .createTable('email_changes')
    .addColumn('athlete_id', 'uuid', (c) => c.primaryKey().references('athletes.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_changes').ifExists().execute();
  await sql`drop index if exists athletes_email_lower_key`.execute(db);
  await sql`update athletes set email = previous_email where email is null and previous_email is not null`.execute(db);
  await db.schema.alterTable('athletes').dropColumn('previous_email').execute();
}
