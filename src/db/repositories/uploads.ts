import { sql, type Kysely, type Transaction } from 'kysely';
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

/** Stores the raw bytes first (idempotent on athlete + sha256): nothing is parsed before it is safe. */
export async function storeUpload(
  db: Db,
  input: { athleteId: string; filename: string; bytes: Uint8Array; sha256: string },
): Promise<StoredUpload> {
  const inserted = await db
    .insertInto('uploads')
    .values({
      athlete_id: input.athleteId,
      filename: input.filename,
      bytes: input.bytes,
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

/** A stored file larger than this is read this many bytes per statement (`getUploadWithBytes`). */
export const UPLOAD_READ_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * An upload with its bytes. A large file is read a piece at a time, `between` running between two
 * pieces (the caller hands the event loop back): the embedded database runs each statement in this
 * thread, and a 45 MB file read in one takes it seconds.
 */
export async function getUploadWithBytes(db: Db, id: string, between: () => Promise<void> = () => Promise.resolve()): Promise<Upload | undefined> {
  const upload = await db
    .selectFrom('uploads')
    .select([...SUMMARY_COLUMNS, sql<Uint8Array | null>`case when size_bytes <= ${UPLOAD_READ_CHUNK_BYTES} then bytes end`.as('small')])
    .where('id', '=', id)
    .executeTakeFirst();
  if (upload === undefined) return undefined;
  const { small, ...summary } = upload;
  if (small !== null) return { ...summary, bytes: small };
  const bytes = new Uint8Array(summary.size_bytes);
  for (let at = 0; at < bytes.length; at += UPLOAD_READ_CHUNK_BYTES) {
    await between();
    const part = await db
      .selectFrom('uploads')
      .select(sql<Uint8Array>`substring(bytes from ${at + 1} for ${UPLOAD_READ_CHUNK_BYTES})`.as('part'))
      .where('id', '=', id)
      .executeTakeFirst();
    if (part === undefined) return undefined;
    bytes.set(part.part, at);
  }
  return { ...summary, bytes };
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
