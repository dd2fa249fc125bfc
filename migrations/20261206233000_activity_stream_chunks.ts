import type { Kysely } from 'kysely';

/**
 * A large stream blob is stored in pieces, as uploads are (20261206230000_upload_chunks,
 * docs/storage.md "Streams"): `activity_streams.data` holds its first piece (the whole blob when it is
 * small), `activity_stream_chunks` the rest in order (`seq` 1, 2, …). A 2.2-million-sample activity
 * packs to ~15 MB; one statement of it held the embedded database, which runs in the server's thread,
 * for half a second. Rows stored before have no chunks. Deleting the streams deletes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('activity_stream_chunks')
    .addColumn('activity_id', 'uuid', (c) => c.notNull().references('activity_streams.activity_id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('activity_stream_chunks_pkey', ['activity_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('activity_stream_chunks').ifExists().execute();
}
