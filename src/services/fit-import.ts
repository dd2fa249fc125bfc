/**
 * FIT ingest: store the bytes, then parse them into activities. Storing comes first and commits on
 * its own, so a file that fails to parse (or a crash mid-parse) never loses what the runner sent.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { ActivityCategory } from '../domain/activity.ts';
import { localDateOf } from '../domain/time.ts';
import { insertActivity, listUploadActivities } from '../db/repositories/activities.ts';
import { relaxDurability } from '../db/transactions.ts';
import { findAthlete } from '../db/repositories/athletes.ts';
import {
  getUpload,
  getUploadWithBytes,
  linkUploadActivities,
  lockUpload,
  markProcessing,
  setUploadStatus,
  storeUpload,
  type StoredUpload,
  type UploadSummary,
} from '../db/repositories/uploads.ts';
import type { Database } from '../db/schema.ts';
import { decodeFit, type DecodedFit, type FitDecoder, type PackedDecodedFit } from '../ingest/fit/decode.ts';
import { FitDecodeError } from '../ingest/fit/errors.ts';
import { nextTurn } from '../util/event-loop.ts';

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
  return storeUpload(db, { ...input, sha256: sha256Hex(input.bytes) }, nextTurn);
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
 * A file that cannot be decoded — whatever the decoder threw — is marked `failed` with the reason;
 * other errors (the database) are thrown so the caller (a job) can retry.
 */
export async function processFitUpload(
  db: Kysely<Database>,
  uploadId: string,
  now: () => Date,
  decode: FitDecoder = decodeFit,
): Promise<ProcessOutcome> {
  // A large file is read a piece at a time, the event loop getting a turn in between (`kinetic serve`
  // runs this job in its own process in embedded mode).
  const upload = await getUploadWithBytes(db, uploadId, nextTurn);
  if (upload === undefined) throw new UploadNotFoundError(`upload ${uploadId} not found`);
  // Seen by `GET /uploads/:id` while this runs; a crash leaves it `processing` and the retried job
  // (or the stalled-job check's new worker) parses it again.
  await markProcessing(db, uploadId);
  return processStored(db, upload, now, decode);
}

/**
 * The reason stored for a decode that threw something other than a FitDecodeError: a bug in the
 * decoder met by this file (a TypeError on a message it mishandles). Decoding is computation on the
 * stored bytes alone, so this is about the file and trying again gives the same: it fails the upload
 * (retryable after a fix) instead of failing a job again and again or stopping an import.
 */
function crashReason(err: unknown): string {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `Kinetic's FIT reader crashed on this file (${what})`;
}

/** processStored's outcome; `byOther` when another worker had parsed the upload first. */
type StoredOutcome = ProcessOutcome & { byOther?: boolean };

/** The work of processFitUpload for an upload whose bytes the caller already holds. */
async function processStored(
  db: Kysely<Database>,
  upload: { id: string; athlete_id: string; sha256: string; bytes: Uint8Array },
  now: () => Date,
  decode: FitDecoder,
): Promise<StoredOutcome> {
  const uploadId = upload.id;
  const athlete = await findAthlete(db, upload.athlete_id);
  if (athlete === undefined) throw new UploadNotFoundError(`athlete of upload ${uploadId} not found`);

  let decoded: DecodedFit | PackedDecodedFit;
  try {
    decoded = await decode(upload.bytes, upload.sha256.slice(0, 16));
  } catch (err) {
    const reason = err instanceof FitDecodeError ? err.message : crashReason(err);
    await setUploadStatus(db, uploadId, 'failed', reason, now());
    return { status: 'failed', error: reason };
  }

  return db.transaction().execute(async (trx): Promise<StoredOutcome> => {
    // Everything written here is derived from the stored bytes: if a crash loses this commit, the
    // upload is still `queued` and is parsed again. So don't wait for the WAL flush (the upload's
    // own insert, which is not derived, keeps the server's durable default).
    await relaxDurability(trx);
    // A second worker (or a retried job) that got here too waits for the first and keeps its result.
    const current = await lockUpload(trx, uploadId);
    if (current === 'imported' || current === 'duplicate') {
      return { status: current, athleteId: athlete.id, activities: await summariesOf(trx, uploadId), warnings: decoded.warnings, byOther: true };
    }
    const out: ImportedActivitySummary[] = [];
    for (const activity of decoded.activities) {
      const localDate = localDateOf(activity.startTime, athlete.timezone);
      // A large activity's stream blob is written a piece a statement, the event loop getting a turn between.
      const { id, created } = await insertActivity(trx, { athleteId: athlete.id, activity, localDate, timezone: athlete.timezone }, nextTurn);
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
      /** For a duplicate of an upload that failed: its error (`kinetic import --retry-failed` parses it again). */
      earlierError?: string;
    }
  | { status: 'failed'; uploadId: string | null; error: string };

/**
 * Imports in flight in this process, by athlete and SHA-256: the same bytes are parsed by one caller
 * only. The CLI imports several files at once, and a folder may hold many copies of one file: without
 * this, every copy in flight would find the upload stored but not parsed yet and parse it too.
 */
const inFlight = new Map<string, Promise<ImportResult>>();

/**
 * Stores a file and parses it in this process (the CLI path; the API stores and queues instead).
 * The same bytes a second time are a `duplicate` of the first upload, whatever became of it; a copy
 * arriving while the first is being parsed waits for it, and is then that duplicate.
 *
 * Never throws once the file is stored: an unexpected error (the database, a bug) fails this file —
 * its upload `failed` with the error, for `kinetic import --retry-failed` — and not the caller's run.
 * Errors storing it are thrown (nothing of the file is kept).
 */
export async function importFitFile(
  db: Kysely<Database>,
  input: { athleteId: string; filename: string; bytes: Uint8Array },
  now: () => Date,
  decode: FitDecoder = decodeFit,
): Promise<ImportResult> {
  const sha256 = sha256Hex(input.bytes);
  const key = `${input.athleteId}:${sha256}`;
  for (let first = inFlight.get(key); first !== undefined; first = inFlight.get(key)) await first.catch(() => undefined);
  const run = importOnce(db, { ...input, sha256 }, now, decode);
  inFlight.set(key, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(key) === run) inFlight.delete(key);
  }
}

async function importOnce(
  db: Kysely<Database>,
  input: { athleteId: string; filename: string; bytes: Uint8Array; sha256: string },
  now: () => Date,
  decode: FitDecoder,
): Promise<ImportResult> {
  const { upload, created } = await storeUpload(db, input, nextTurn);
  if (!created && (upload.status === 'imported' || upload.status === 'duplicate' || upload.status === 'failed')) {
    return duplicateOf(db, upload);
  }
  // Created now, or stored earlier but never parsed (`queued`/`processing`: a run that died): parse it.
  try {
    const outcome = await processStored(db, { ...upload, bytes: input.bytes }, now, decode);
    if (outcome.byOther === true) {
      // Another process (an API worker) parsed it meanwhile: this file is its duplicate.
      const done = await getUpload(db, upload.id);
      if (done !== undefined) return duplicateOf(db, done);
    }
    return withUploadId(outcome, upload.id);
  } catch (err) {
    return failUnexpectedly(db, upload.id, err, now);
  }
}

/** A file whose bytes are an upload parsed before (or in this run): the upload's activities and fate. */
async function duplicateOf(db: Kysely<Database>, upload: UploadSummary): Promise<ImportResult> {
  const activities = await summariesOf(db, upload.id);
  if (upload.status === 'failed') {
    const error = upload.error ?? 'unknown error';
    return { status: 'duplicate', uploadId: upload.id, athleteId: upload.athlete_id, activities, warnings: [], note: `same file as ${upload.filename}, which failed: ${error}`, earlierError: error };
  }
  return { status: 'duplicate', uploadId: upload.id, athleteId: upload.athlete_id, activities, warnings: [], note: `same file as ${upload.filename}` };
}

/**
 * An error while saving a stored file's activities (not while decoding: that is the file's own
 * failure): the upload is marked `failed` with the error so that it does not stay `queued`, and
 * `--retry-failed` tries again. When even that write fails (the database is gone), the upload stays
 * `queued`, which `--retry-failed` picks up too.
 */
async function failUnexpectedly(db: Kysely<Database>, uploadId: string, err: unknown, now: () => Date): Promise<ImportResult> {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const error = `Kinetic could not save this file's activities (${what})`;
  await setUploadStatus(db, uploadId, 'failed', error, now()).catch(() => undefined);
  return { status: 'failed', uploadId, error };
}

function withUploadId(outcome: ProcessOutcome, uploadId: string): ImportResult {
  if (outcome.status === 'failed') return { status: 'failed', uploadId, error: outcome.error };
  const { status, athleteId, activities, warnings } = outcome;
  return { status, athleteId, activities, warnings, uploadId };
}

/**
 * Parses (again) an upload that is stored: queued or left `processing` by a run that died, or failed
 * before a fix. Like importFitFile, an unexpected error fails the upload, not the caller.
 */
export async function reprocess(db: Kysely<Database>, uploadId: string, now: () => Date, decode: FitDecoder = decodeFit): Promise<ImportResult> {
  let outcome: ProcessOutcome;
  try {
    outcome = await processFitUpload(db, uploadId, now, decode);
  } catch (err) {
    if (err instanceof UploadNotFoundError) throw err;
    return failUnexpectedly(db, uploadId, err, now);
  }
  return withUploadId(outcome, uploadId);
}
