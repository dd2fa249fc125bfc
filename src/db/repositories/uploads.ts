import { sql, type Kysely, type Transaction } from 'kysely';
import { PIECE_BYTES, writeRestInPieces } from '../pieces.ts';
import type { Database, Upload, UploadStatus } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type UploadSummary = Omit<Upload, 'bytes'>;

const SUMMARY_COLUMNS = [
  'id',
  'athlete_id',
  'sha256',
  'filename',
  'size_bytes',
  'status',
  'error',
  'created_at',
  'processed_at',
] as const;

export interface StoredUpload {
  upload: UploadSummary;
  /** False when the athlete had already uploaded these exact bytes. */
  created: boolean;
}

/**
 * A stored file is written and read at most this many bytes a statement: `uploads.bytes` holds its
 * first piece (the whole file when it is no larger), `upload_chunks` the rest (docs/storage.md,
 * "Uploads"). The embedded database runs each statement in this thread, and one statement of a 45 MB
 * value held it for seconds; one of 2 MB takes ~50 ms.
 */
export const UPLOAD_CHUNK_BYTES = PIECE_BYTES;

/**
 * Stores the raw bytes first (idempotent on athlete + sha256): nothing is parsed before it is safe. A
 * file larger than UPLOAD_CHUNK_BYTES is stored a piece a statement, `between` running between two
 * (the caller hands the event loop back), all in one transaction — the caller's, or one of its own —
 * so that a failure part-way stores nothing.
 */
export async function storeUpload(
  db: Db,
  input: { athleteId: string; filename: string; bytes: Uint8Array; sha256: string },
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<StoredUpload> {
  if (input.bytes.length <= UPLOAD_CHUNK_BYTES) return insertUpload(db, input);
  if (db.isTransaction) return storeInPieces(db as Transaction<Database>, input, between);
  return db.transaction().execute((trx) => storeInPieces(trx, input, between));
}

async function storeInPieces(
  trx: Transaction<Database>,
  input: { athleteId: string; filename: string; bytes: Uint8Array; sha256: string },
  between: () => Promise<void>,
): Promise<StoredUpload> {
  const stored = await insertUpload(trx, input);
  if (!stored.created) return stored;
  await writeRestInPieces(input.bytes, between, async (seq, bytes) => {
    await trx.insertInto('upload_chunks').values({ upload_id: stored.upload.id, seq, bytes }).execute();
  });
  return stored;
}

/** The upload's row, with the first UPLOAD_CHUNK_BYTES of the file (all of it when small). */
async function insertUpload(db: Db, input: { athleteId: string; filename: string; bytes: Uint8Array; sha256: string }): Promise<StoredUpload> {
  const inserted = await db
    .insertInto('uploads')
    .values({
      athlete_id: input.athleteId,
      filename: input.filename,
      bytes: input.bytes.subarray(0, UPLOAD_CHUNK_BYTES),
      sha256: input.sha256,
      size_bytes: input.bytes.length,
      error: null,
      processed_at: null,
    })
    .onConflict((oc) => oc.columns(['athlete_id', 'sha256']).doNothing())
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirst();
  if (inserted !== undefined) return { upload: inserted, created: true };
  const existing = await db
    .selectFrom('uploads')
    .select(SUMMARY_COLUMNS)
    .where('athlete_id', '=', input.athleteId)
    .where('sha256', '=', input.sha256)
    .executeTakeFirstOrThrow();
  return { upload: existing, created: false };
}

/**
 * The stored bytes of an upload in order, at most `pieceBytes` (≤ UPLOAD_CHUNK_BYTES) a statement,
 * `between` running before each statement: `uploads.bytes` a substring at a time (a file stored before
 * pieces existed is all there), then its `upload_chunks`. Each piece comes as base64 text (the
 * drivers' own bytea text is hex: twice the size and, measured, half as fast). Ends early if the
 * upload is deleted meanwhile.
 */
export async function* uploadPieces(
  db: Db,
  id: string,
  between: () => Promise<void> = () => Promise.resolve(),
  pieceBytes = UPLOAD_CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  let read = 0;
  let size: number;
  for (let at = 0; ; at += pieceBytes) {
    await between();
    const row = await db
      .selectFrom('uploads')
      .select(['size_bytes', sql<string>`encode(substring(bytes from ${at + 1} for ${pieceBytes}), 'base64')`.as('piece'), sql<number>`octet_length(bytes)`.as('head')])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return;
    const piece = Buffer.from(row.piece, 'base64');
    if (piece.length > 0) yield piece;
    read += piece.length;
    size = row.size_bytes;
    if (at + pieceBytes >= row.head) break;
  }
  for (let seq = 1; read < size; seq++) {
    await between();
    const row = await db
      .selectFrom('upload_chunks')
      .select(sql<string>`encode(bytes, 'base64')`.as('piece'))
      .where('upload_id', '=', id)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (row === undefined) return;
    const piece = Buffer.from(row.piece, 'base64');
    yield piece;
    read += piece.length;
  }
}

/**
 * An upload with its bytes. A large file is read a piece at a time (`uploadPieces`), `between` running
 * before each piece (the caller hands the event loop back): the embedded database runs each statement
 * in this thread, and a 45 MB file read in one takes it seconds.
 */
export async function getUploadWithBytes(db: Db, id: string, between: () => Promise<void> = () => Promise.resolve()): Promise<Upload | undefined> {
  const upload = await db
    .selectFrom('uploads')
    .select([...SUMMARY_COLUMNS, sql<Uint8Array | null>`case when size_bytes <= ${UPLOAD_CHUNK_BYTES} then bytes end`.as('small')])
    .where('id', '=', id)
    .executeTakeFirst();
  if (upload === undefined) return undefined;
  const { small, ...summary } = upload;
  if (small !== null) return { ...summary, bytes: small };
  const bytes = new Uint8Array(summary.size_bytes);
  let at = 0;
  for await (const piece of uploadPieces(db, id, between)) {
    if (at + piece.length > bytes.length) throw new Error(`upload ${id}: more than its ${summary.size_bytes} bytes are stored`);
    bytes.set(piece, at);
    at += piece.length;
  }
  if (at === bytes.length) return { ...summary, bytes };
  if ((await getUpload(db, id)) === undefined) return undefined;
  throw new Error(`upload ${id}: only ${at} of its ${summary.size_bytes} bytes are stored`);
}

export async function getUpload(db: Db, id: string): Promise<UploadSummary | undefined> {
  return db.selectFrom('uploads').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function setUploadStatus(
  db: Db,
  id: string,
  status: UploadStatus,
  error: string | null,
  processedAt: Date | null,
): Promise<void> {
  await db
    .updateTable('uploads')
    .set({ status, error, processed_at: processedAt })
    .where('id', '=', id)
    .execute();
}

/** The athlete's uploads, oldest first; only those in `status` (one, or any of several) when given. */
export async function listUploads(db: Db, athleteId: string, status?: UploadStatus | UploadStatus[]): Promise<UploadSummary[]> {
  let q = db.selectFrom('uploads').select(SUMMARY_COLUMNS).where('athlete_id', '=', athleteId);
  if (status !== undefined) q = q.where('status', 'in', Array.isArray(status) ? status : [status]);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function linkUploadActivities(db: Db, uploadId: string, activityIds: string[]): Promise<void> {
  if (activityIds.length === 0) return;
  await db
    .insertInto('upload_activities')
    .values(activityIds.map((activity_id) => ({ upload_id: uploadId, activity_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Ids of uploads not parsed yet (`queued`, or `processing` when their worker died), oldest first. */
export async function unparsedUploadIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('uploads').select('id').where('status', 'in', ['queued', 'processing']).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * An upload not parsed yet (`queued` or `processing`) that will not be by its job (it ran out of
 * attempts) becomes `failed` with `error`; false when it was in another state (parsed meanwhile).
 */
export async function failUnparsedUpload(db: Db, id: string, error: string, at: Date): Promise<boolean> {
  const res = await db.updateTable('uploads').set({ status: 'failed', error, processed_at: at }).where('id', '=', id).where('status', 'in', ['queued', 'processing']).executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** A `failed` upload back to `queued`, its error cleared, to be parsed again; false in any other state. */
export async function requeueFailedUpload(db: Db, id: string): Promise<boolean> {
  const res = await db.updateTable('uploads').set({ status: 'queued', error: null, processed_at: null }).where('id', '=', id).where('status', '=', 'failed').executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** `queued` → `processing`, for status readers while a worker parses the upload (no-op in any other state). */
export async function markProcessing(db: Db, id: string): Promise<void> {
  await db.updateTable('uploads').set({ status: 'processing' }).where('id', '=', id).where('status', '=', 'queued').execute();
}

/** Locks the upload row until the transaction ends; returns its current status. */
export async function lockUpload(trx: Transaction<Database>, id: string): Promise<UploadStatus | undefined> {
  const row = await trx.selectFrom('uploads').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
  return row?.status;
}

/**
 * Locks the athlete's row until the transaction ends, so that one request at a time checks and spends
 * the athlete's upload quota (docs/api.md, "Uploads"). False when there is no such athlete.
 */
export async function lockAthleteUploads(trx: Transaction<Database>, athleteId: string): Promise<boolean> {
  const row = await trx.selectFrom('athletes').select('id').where('id', '=', athleteId).forUpdate().executeTakeFirst();
  return row !== undefined;
}

/** The athlete's uploads with any of these SHA-256s, by SHA-256 (without their bytes). */
export async function uploadsBySha256(db: Db, athleteId: string, sha256s: string[]): Promise<Map<string, UploadSummary>> {
  const found = new Map<string, UploadSummary>();
  for (let i = 0; i < sha256s.length; i += 1000) {
    const rows = await db
      .selectFrom('uploads')
      .select(SUMMARY_COLUMNS)
      .where('athlete_id', '=', athleteId)
      .where('sha256', 'in', sha256s.slice(i, i + 1000))
      .execute();
    for (const r of rows) found.set(r.sha256, r);
  }
  return found;
}

/**
 * When and how large each upload the athlete stored in the last `windowS` seconds was, oldest first,
 * with the database's clock (`now`), which stamps `created_at`.
 */
export async function uploadsStoredWithin(db: Db, athleteId: string, windowS: number): Promise<{ now: Date; uploads: { createdAt: Date; sizeBytes: number }[] }> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  const now = new Date(rows[0]!.now);
  const uploads = await db
    .selectFrom('uploads')
    .select(['created_at', 'size_bytes'])
    .where('athlete_id', '=', athleteId)
    .where('created_at', '>', new Date(now.getTime() - windowS * 1000))
    .orderBy('created_at')
    .execute();
  return { now, uploads: uploads.map((u) => ({ createdAt: new Date(u.created_at), sizeBytes: u.size_bytes })) };
}
