import { sql, type Kysely } from 'kysely';

/**
 * Web sign-in (docs/web.md): server-side sessions of the browser pages and one-time email sign-in
 * links. Only SHA-256 hashes of the session ids and link tokens are stored. Deleting the athlete
 * deletes their sessions; sign-in links belong to an email address (the athlete may not exist yet)
 * and are deleted when used or expired.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('web_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('athlete_id', 'uuid', (c) => c.notNull().references('athletes.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_sessions_athlete_idx').on('web_sessions').columns(['athlete_id']).execute();

  await db.schema
    .createTable('web_login_links')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('timezone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_login_links_email_idx').on('web_login_links').columns(['email']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('web_login_links').ifExists().execute();
  await db.schema.dropTable('web_sessions').ifExists().execute();
}
