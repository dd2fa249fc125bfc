import type { Kysely } from 'kysely';

/**
 * A large uploaded file is stored in pieces (docs/storage.md, "Uploads"): `uploads.bytes` holds its
 * first piece (the whole file when it is small), `upload_chunks` the rest in order, one row per piece
 * (`seq` 1, 2, …). One statement then writes or reads at most one piece: on the embedded database a
 * statement runs in the server's thread, and one of a 45 MB value held it for seconds. Rows stored
 * before keep the whole file in `uploads.bytes` and have no chunks. Deleting the upload deletes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('upload_chunks')
    .addColumn('upload_id', 'uuid', (c) => c.notNull().references('uploads.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('upload_chunks_pkey', ['upload_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('upload_chunks').ifExists().execute();
}
