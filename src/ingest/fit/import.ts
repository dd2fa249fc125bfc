/**
 * FIT ingest: store the bytes, then parse them into activities. Storing comes first and commits on
 * its own, so a file that fails to parse (or a crash mid-parse) never loses what the runner sent.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { ActivityCategory } from '../../domain/activity.ts';
import { localDateOf } from '../../domain/time.ts';
import { insertActivity, listUploadActivities } from '../../db/repositories/activities.ts';
import { relaxDurability } from '../../db/transactions.ts';
import { findAthlete } from '../../db/repositories/athletes.ts';
import {
  getUploadWithBytes,
  linkUploadActivities,
  lockUpload,
  markProcessing,
  setUploadStatus,
  storeUpload,
  type StoredUpload,
} from '../../db/repositories/uploads.ts';
import type { Database } from '../../db/schema.ts';
import { decodeFit, type DecodedFit, type FitDecoder } from './decode.ts';
import { FitDecodeError } from './errors.ts';

/**
 * Files imported at once by the CLI: with several in flight, one file's database writes and commit
 * overlap the others' decoding (see docs/PERFORMANCE.md).
 */
export const IMPORT_CONCURRENCY = 4;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function storeFitUpload(
  db: Kysely<Database>,
  input: { athleteId: string; filename: string; bytes: Uint8Array },
): Promise<StoredUpload> {
  return storeUpload(db, { ...input, sha256: sha256Hex(input.bytes) });
}

export interface ImportedActivitySummary {
  id: string;
  sport: string;
  subSport: string | null;
  category: ActivityCategory;
  localDate: string;
  startTime: Date;
  distanceM: number | null;
  durationS: number;
  created: boolean;
}

export type ProcessOutcome =
  | { status: 'imported' | 'duplicate'; athleteId: string; activities: ImportedActivitySummary[]; warnings: string[] }
  | { status: 'failed'; error: string };

export class UploadNotFoundError extends Error {
  override name = 'UploadNotFoundError';
}

/**
 * Parses a stored upload and writes its activities in one transaction. Idempotent: running it again
 * (a retried job, a second worker) finds the activities already there and writes nothing twice.
 * A file that cannot be decoded is marked `failed` with the reason; other errors are thrown so the
 * caller (a job) can retry.
 */
export async function processFitUpload(db: Kysely<Database>, uploadId: string, now: () => Date): Promise<ProcessOutcome> {
  const upload = await getUploadWithBytes(db, uploadId);
  if (upload === undefined) throw new UploadNotFoundError(`upload ${uploadId} not found`);
  // Seen by `GET /uploads/:id` while this runs; a crash leaves it `processing` and the retried job
  // (or the stalled-job check's new worker) parses it again.
  await markProcessing(db, uploadId);
  return processStored(db, upload, now);
}

/** The work of processFitUpload for an upload whose bytes the caller already holds. */
async function processStored(
  db: Kysely<Database>,
  upload: { id: string; athlete_id: string; sha256: string; bytes: Uint8Array },
  now: () => Date,
  decode: FitDecoder = decodeFit,
): Promise<ProcessOutcome> {
  const uploadId = upload.id;
  const athlete = await findAthlete(db, upload.athlete_id);
  if (athlete === undefined) throw new UploadNotFoundError(`athlete of upload ${uploadId} not found`);

  let decoded: DecodedFit;
  try {
    decoded = await decode(upload.bytes, upload.sha256.slice(0, 16));
  } catch (err) {
    if (!(err instanceof FitDecodeError)) throw err;
    await setUploadStatus(db, uploadId, 'failed', err.message, now());
    return { status: 'failed', error: err.message };
  }

  return db.transaction().execute(async (trx): Promise<ProcessOutcome> => {
    // Everything written here is derived from the stored bytes: if a crash loses this commit, the
    // upload is still `queued` and is parsed again. So don't wait for the WAL flush (the upload's
    // own insert, which is not derived, keeps the server's durable default).
    await relaxDurability(trx);
    // A second worker (or a retried job) that got here too waits for the first and keeps its result.
    const current = await lockUpload(trx, uploadId);
    if (current === 'imported' || current === 'duplicate') {
      return { status: current, athleteId: athlete.id, activities: await summariesOf(trx, uploadId), warnings: decoded.warnings };
    }
    const out: ImportedActivitySummary[] = [];
    for (const activity of decoded.activities) {
      const localDate = localDateOf(activity.startTime, athlete.timezone);
      const { id, created } = await insertActivity(trx, {
        athleteId: athlete.id,
        activity,
        localDate,
        timezone: athlete.timezone,
      });
      out.push({
        id,
        sport: activity.sport,
        subSport: activity.subSport,
        category: activity.category,
        localDate,
        startTime: activity.startTime,
        distanceM: activity.distanceM,
        durationS: activity.movingS ?? activity.elapsedS,
        created,
      });
    }
    await linkUploadActivities(trx, uploadId, out.map((a) => a.id));
    const status = out.some((a) => a.created) ? 'imported' : 'duplicate';
    await setUploadStatus(trx, uploadId, status, null, now());
    return { status, athleteId: athlete.id, activities: out, warnings: decoded.warnings };
  });
}

/** The activities an already processed upload produced, for answering a repeated request. */
async function summariesOf(db: Kysely<Database> | Transaction<Database>, uploadId: string): Promise<ImportedActivitySummary[]> {
  const rows = await listUploadActivities(db, uploadId);
  return rows.map((r) => ({
    id: r.id,
    sport: r.sport,
    subSport: r.sub_sport,
    category: r.category,
    localDate: r.local_date,
    startTime: r.start_time,
    distanceM: r.distance_m,
    durationS: r.moving_s ?? r.elapsed_s,
    created: false,
  }));
}

export type ImportResult =
  | {
      status: 'imported' | 'duplicate';
      uploadId: string;
      athleteId: string;
      activities: ImportedActivitySummary[];
      warnings: string[];
      note?: string;
    }
  | { status: 'failed'; uploadId: string | null; error: string };

/**
 * Stores a file and parses it in this process (the CLI path; the API stores and queues instead).
 * The same bytes a second time are a `duplicate` of the first upload, whatever became of it.
 */
export async function importFitFile(
  db: Kysely<Database>,
  input: { athleteId: string; filename: string; bytes: Uint8Array },
  now: () => Date,
  decode: FitDecoder = decodeFit,
): Promise<ImportResult> {
  const { upload, created } = await storeFitUpload(db, input);
  if (!created && (upload.status === 'imported' || upload.status === 'duplicate' || upload.status === 'failed')) {
    const activities = await summariesOf(db, upload.id);
    const note =
      upload.status === 'failed'
        ? `stored earlier and failed (${upload.error ?? 'unknown error'}); retry with --retry-failed`
        : `same file as ${upload.filename}`;
    return { status: 'duplicate', uploadId: upload.id, athleteId: upload.athlete_id, activities, warnings: [], note };
  }
  const outcome = await processStored(db, { ...upload, bytes: input.bytes }, now, decode);
  return withUploadId(outcome, upload.id);
}

function withUploadId(outcome: ProcessOutcome, uploadId: string): ImportResult {
  return outcome.status === 'failed' ? { status: 'failed', uploadId, error: outcome.error } : { ...outcome, uploadId };
}

/** Parses (again) an upload that is stored: queued, interrupted, or failed before a fix. */
export async function reprocess(db: Kysely<Database>, uploadId: string, now: () => Date): Promise<ImportResult> {
  return withUploadId(await processFitUpload(db, uploadId, now), uploadId);
}
