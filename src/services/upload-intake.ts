/**
 * The upload API's intake (`POST /athletes/:id/uploads`, and the web form through it): the files of
 * one request are first collected to a spool folder on disk — every part as it arrives, every archive
 * expanded from there (nested zips streamed to files, never into memory), every FIT file found written
 * beside them with its SHA-256 — while the request's limits are counted. Only when the whole request
 * is within them are its FIT files stored, in one transaction that also checks the athlete's daily
 * quota. So a refused request stores nothing, and memory holds at most one FIT file (the per-file
 * limit) whatever the request holds. A large file goes in 2 MB a statement with a turn of the event
 * loop between (`storeUpload`): the embedded database runs statements in the server's thread. Limits and answers: docs/api.md, "Uploads".
 *
 * `kinetic import` reads the operator's own files and has none of these limits (docs/fit-import.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import {
  ARCHIVE_MAX_DEPTH,
  ArchiveReadError,
  gunzipCapped,
  kindOfNamedFile,
  mib,
  readZip,
  SizeLimitError,
  SNIFF_BYTES,
  sniff,
  storedName,
  type ArchiveBudget,
  type ZipDirectory,
} from '../ingest/archive.ts';
import { lockAthleteUploads, storeUpload, uploadsBySha256, uploadsStoredWithin, type UploadSummary } from '../db/repositories/uploads.ts';
import type { Database } from '../db/schema.ts';
import { nextTurn } from '../util/event-loop.ts';
import type { Slots } from '../util/slots.ts';

export interface IntakeLimits {
  /** Largest file, sent or found in an archive (KINETIC_MAX_UPLOAD_BYTES). */
  fileBytes: number;
  /** FIT files one request may store, archive entries included. */
  requestFiles: number;
  /** Bytes of file parts one request may carry, and bytes of FIT files it may store. */
  requestBytes: number;
  /** Bytes its archives and gzips may inflate to, every level of nesting counted. */
  expandedBytes: number;
  /** Entries its archives may hold in all (each is looked at). */
  archiveEntries: number;
}

/** The athlete's quota: what may be stored in any 24 hours. */
export interface DailyQuota {
  files: number;
  bytes: number;
}

export const QUOTA_WINDOW_S = 24 * 60 * 60;

export type IntakeLimit = 'files' | 'bytes' | 'expanded' | 'entries';

/** The request is over one of its limits: nothing of it is stored. */
export class UploadLimitError extends Error {
  override name = 'UploadLimitError';
  constructor(
    readonly limit: IntakeLimit,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Every archive slot is taken and enough requests already wait for one. */
export class UnzipBusyError extends Error {
  override name = 'UnzipBusyError';
}

/** The request would take the athlete over their daily quota: nothing of it is stored. */
export class UploadQuotaError extends Error {
  override name = 'UploadQuotaError';
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
    /** In how many seconds the same request would fit (older uploads leave the 24 hours); undefined if it never would. */
    readonly retryAfterS: number | undefined,
  ) {
    super(message);
  }
}

/** Reading a part of the request failed (the client broke off, a malformed body): the client's side. */
export class UploadReadError extends Error {
  override name = 'UploadReadError';
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export interface SkippedFile {
  filename: string;
  reason: string;
}

interface SpooledFit {
  filename: string;
  file: string;
  size: number;
  sha256: string;
}

export interface StoredFile {
  filename: string;
  upload: UploadSummary;
  /** False: the athlete had these bytes already (`upload` is the earlier one). */
  created: boolean;
}

/** `n` and the noun, plural unless one. */
function many(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export class UploadIntake {
  /** The FIT files found so far, in the request's order. */
  readonly fits: SpooledFit[] = [];
  /** Files and entries not taken, with the reason. */
  readonly skipped: SkippedFile[] = [];
  /** File parts cut off at the per-file limit. */
  readonly tooLarge: string[] = [];
  /** File parts received. */
  parts = 0;
  private received = 0;
  private fitBytes = 0;
  private spooled = 0;
  private readonly budget: ArchiveBudget;

  private constructor(
    private readonly dir: string,
    private readonly limits: IntakeLimits,
    private readonly slots: Slots,
  ) {
    this.budget = { bytes: limits.expandedBytes, entries: limits.archiveEntries };
  }

  /** A new intake, its spool a new folder in the system's temporary folder (`close` removes it). */
  static async open(limits: IntakeLimits, slots: Slots): Promise<UploadIntake> {
    return new UploadIntake(await fs.mkdtemp(path.join(os.tmpdir(), 'kinetic-upload-')), limits, slots);
  }

  async close(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /**
   * One file part, read from `stream` to its end: a FIT file, a gzip or a zip (expanded), or skipped
   * with the reason. `truncated` says, once it has ended, whether the multipart parser cut it off at
   * the per-file limit. Throws UploadLimitError (stop reading the request: it is refused),
   * UnzipBusyError, or the stream's own error.
   */
  async addFile(filename: string, stream: AsyncIterable<unknown>, truncated: () => boolean): Promise<void> {
    this.parts++;
    const file = this.nextPath();
    const { size, sha256, head } = await this.spool(stream, file);
    if (truncated()) {
      this.tooLarge.push(filename);
      await fs.rm(file, { force: true });
      return;
    }
    const kind = kindOfNamedFile(filename, head);
    if (kind === 'fit') {
      this.addFit({ filename, file, size, sha256 });
      return;
    }
    try {
      if (kind === 'fit.gz' || kind === 'gzip') await this.addGzip(filename, file, kind);
      else if (kind === 'zip') await this.addZip(filename, file);
      else this.skipped.push({ filename, reason: kind.skip });
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /**
   * Stores the FIT files found, in one transaction: all of them or (an error, the quota) none. The
   * same bytes as an earlier upload of the athlete are that upload (`created: false`), and do not count
   * towards the quota. With `quota`, the athlete's uploads of the last 24 hours plus the new ones must
   * be within it, or UploadQuotaError. The athlete's row is locked meanwhile, so that two requests of
   * the same athlete do not both spend the same quota.
   */
  async store(db: Kysely<Database>, athleteId: string, quota: DailyQuota | undefined): Promise<StoredFile[]> {
    return db.transaction().execute(async (trx) => {
      await lockAthleteUploads(trx, athleteId);
      const earlier = await uploadsBySha256(trx, athleteId, [...new Set(this.fits.map((f) => f.sha256))]);
      const fresh = new Map<string, number>();
      for (const f of this.fits) if (!earlier.has(f.sha256)) fresh.set(f.sha256, f.size);
      if (quota !== undefined && fresh.size > 0) {
        const adding = { files: fresh.size, bytes: [...fresh.values()].reduce((a, b) => a + b, 0) };
        const { now, uploads } = await uploadsStoredWithin(trx, athleteId, QUOTA_WINDOW_S);
        const refusal = quotaRefusal(uploads, now, adding, quota);
        if (refusal !== undefined) throw refusal;
      }
      const stored: StoredFile[] = [];
      const here = new Map<string, UploadSummary>();
      for (const f of this.fits) {
        const known = earlier.get(f.sha256) ?? here.get(f.sha256);
        if (known !== undefined) {
          stored.push({ filename: f.filename, upload: known, created: false });
          continue;
        }
        const bytes = await fs.readFile(f.file);
        const { upload, created } = await storeUpload(trx, { athleteId, filename: f.filename, bytes, sha256: f.sha256 }, nextTurn);
        here.set(f.sha256, upload);
        stored.push({ filename: f.filename, upload, created });
      }
      return stored;
    });
  }

  private nextPath(): string {
    return path.join(this.dir, `${this.spooled++}`);
  }

  /** Writes a part to `file` as it arrives, counting it towards the request's bytes; its size, SHA-256 and first bytes. */
  private async spool(stream: AsyncIterable<unknown>, file: string): Promise<{ size: number; sha256: string; head: Buffer }> {
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    // Stopping part-way makes pipeline report the abort rather than the cause: keep the cause.
    let refused: UploadLimitError | undefined;
    let broken: UploadReadError | undefined;
    const count = async function* (this: UploadIntake, chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
      const source = chunks[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await source.next();
        } catch (err) {
          throw (broken = new UploadReadError(err));
        }
        if (next.done === true) return;
        const c = next.value as Buffer;
        size += c.length;
        this.received += c.length;
        if (this.received > this.limits.requestBytes) throw (refused = this.bytesError(`the files of this request add up to more than ${mib(this.limits.requestBytes)}`));
        hash.update(c);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, c.subarray(0, SNIFF_BYTES - head.length)]);
        yield c;
      }
    }.bind(this);
    await pipeline(stream, count, createWriteStream(file)).catch((err: unknown) => {
      throw refused ?? broken ?? (err instanceof Error && err.name === 'AbortError' ? new UploadReadError(err) : err);
    });
    return { size, sha256: hash.digest('hex'), head };
  }

  private addFit(fit: SpooledFit): void {
    const { requestFiles, requestBytes } = this.limits;
    if (this.fits.length + 1 > requestFiles) {
      throw new UploadLimitError(
        'files',
        `this request holds more than ${many(requestFiles, 'FIT file')} (archive entries included), more than one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests`,
        { limit: requestFiles, count: this.fits.length + 1, countIsAtLeast: true },
      );
    }
    if (this.fitBytes + fit.size > requestBytes) throw this.bytesError(`the FIT files of this request add up to more than ${mib(requestBytes)}`);
    this.fits.push(fit);
    this.fitBytes += fit.size;
  }

  private bytesError(what: string): UploadLimitError {
    return new UploadLimitError(
      'bytes',
      `${what}, more than one request may carry (KINETIC_MAX_REQUEST_BYTES): nothing was stored. Send them in several requests`,
      { limitBytes: this.limits.requestBytes },
    );
  }

  private expandedError(where: string): UploadLimitError {
    return new UploadLimitError(
      'expanded',
      `${where}: the archives of one request may expand to at most ${mib(this.limits.expandedBytes)} in all, every level of nesting counted (KINETIC_MAX_EXPANDED_BYTES): nothing was stored`,
      { limitBytes: this.limits.expandedBytes },
    );
  }

  private async addGzip(filename: string, file: string, kind: 'fit.gz' | 'gzip'): Promise<void> {
    const cap = Math.min(this.limits.fileBytes, this.budget.bytes);
    let bytes: Buffer;
    try {
      bytes = await gunzipCapped(createReadStream(file), cap);
    } catch (err) {
      if (!(err instanceof SizeLimitError)) {
        this.skipped.push({ filename, reason: `not a readable gzip file: ${err instanceof Error ? err.message : String(err)}` });
      } else if (cap < this.limits.fileBytes) {
        throw this.expandedError(`${filename} uncompresses to more than is left`);
      } else {
        this.skipped.push({ filename, reason: `larger than the ${mib(this.limits.fileBytes)} limit per file once uncompressed` });
      }
      return;
    }
    this.budget.bytes -= bytes.length;
    // A gzip of unknown name is taken only when a FIT file is inside.
    if (kind === 'gzip' && sniff(bytes) !== 'fit') {
      this.skipped.push({ filename, reason: 'not a FIT file (a gzip of something else)' });
      return;
    }
    await this.addFitBytes(storedName(filename), bytes);
  }

  private async addFitBytes(filename: string, bytes: Buffer): Promise<void> {
    const file = this.nextPath();
    await fs.writeFile(file, bytes);
    this.addFit({ filename, file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  /** Before anything in a zip (the uploaded one or one inside it) is inflated: is what it holds within the limits? */
  private checkDirectory(zip: ZipDirectory): void {
    const { requestFiles, requestBytes, archiveEntries } = this.limits;
    if (zip.entries > this.budget.entries) {
      throw new UploadLimitError(
        'entries',
        `${zip.path} holds ${many(zip.entries, 'file')}: the archives of one request may hold at most ${archiveEntries} in all: nothing was stored`,
        { limit: archiveEntries, archive: zip.path, count: zip.entries },
      );
    }
    if (zip.inflateBytes > this.budget.bytes) {
      const before = mib(this.limits.expandedBytes - this.budget.bytes);
      throw this.expandedError(`${zip.path} expands to ${mib(zip.inflateBytes)}${before === '0 MB' ? '' : ` (after ${before} expanded before it)`}`);
    }
    const files = this.fits.length + zip.fitFiles;
    if (files > requestFiles) {
      throw new UploadLimitError(
        'files',
        `${zip.path} holds ${many(zip.fitFiles, 'FIT file')}${this.fits.length > 0 ? ` (${files} with the request's other files)` : ''}, more than the ${requestFiles} one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests`,
        { limit: requestFiles, archive: zip.path, count: files, ...(zip.zips > 0 && { countIsAtLeast: true }) },
      );
    }
    if (this.fitBytes + zip.fitBytes > requestBytes) {
      throw this.bytesError(`${zip.path} holds ${mib(zip.fitBytes)} of FIT files${this.fitBytes > 0 ? ` (${mib(this.fitBytes + zip.fitBytes)} with the request's other files)` : ''}`);
    }
  }

  private async addZip(filename: string, file: string): Promise<void> {
    const release = await this.slots.acquire();
    if (release === undefined) throw new UnzipBusyError(`the server is expanding as many archives as it may at once, and others wait: ${filename} was not read`);
    try {
      const limits = {
        maxEntryBytes: this.limits.fileBytes,
        maxTotalBytes: this.limits.expandedBytes,
        maxEntries: this.limits.archiveEntries,
        maxDepth: ARCHIVE_MAX_DEPTH,
        tempDir: this.dir,
        onZip: (zip: ZipDirectory) => this.checkDirectory(zip),
      };
      for await (const item of readZip({ path: file }, filename, limits, 1, this.budget)) {
        if (item.type === 'fit') await this.addFitBytes(item.filename, item.bytes);
        else if (item.type === 'over-limit' && item.limit === 'bytes') throw this.expandedError(`${item.path}: ${item.reason}`);
        else if (item.type === 'over-limit') throw new UploadLimitError('entries', `${item.path}: ${item.reason}: nothing was stored`, { limit: this.limits.archiveEntries });
        else this.skipped.push({ filename: item.path, reason: item.reason });
      }
    } catch (err) {
      // Only the archive's own errors: the others refuse the request.
      if (!(err instanceof ArchiveReadError)) throw err;
      this.skipped.push({ filename, reason: `not a readable zip: ${err.message}` });
    } finally {
      release();
    }
  }
}

/**
 * Why adding `adding` to the athlete's `uploads` of the last 24 hours (oldest first, at `now`) goes
 * over `quota`, or undefined when it does not. The refusal says when the same request would fit: when
 * enough of the oldest uploads have left the 24 hours.
 */
export function quotaRefusal(
  uploads: { createdAt: Date; sizeBytes: number }[],
  now: Date,
  adding: { files: number; bytes: number },
  quota: DailyQuota,
): UploadQuotaError | undefined {
  const used = { files: uploads.length, bytes: uploads.reduce((a, u) => a + u.sizeBytes, 0) };
  const fits = (files: number, bytes: number): boolean => files + adding.files <= quota.files && bytes + adding.bytes <= quota.bytes;
  if (fits(used.files, used.bytes)) return undefined;
  let retryAt: Date | undefined;
  let files = used.files;
  let bytes = used.bytes;
  for (const u of uploads) {
    files--;
    bytes -= u.sizeBytes;
    if (fits(files, bytes)) {
      retryAt = new Date(u.createdAt.getTime() + QUOTA_WINDOW_S * 1000);
      break;
    }
  }
  const retryAfterS = retryAt === undefined ? undefined : Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  const when = retryAfterS !== undefined ? `it fits in ${Math.ceil(retryAfterS / 60)} min (${retryAt!.toISOString()})` : `it is larger than the whole quota: send fewer files`;
  return new UploadQuotaError(
    `this request would store ${many(adding.files, 'new FIT file')} (${mib(adding.bytes)}) on top of the ${many(used.files, 'file')} (${mib(used.bytes)}) stored in the last 24 hours; an athlete may store at most ${many(quota.files, 'file')} and ${mib(quota.bytes)} in any 24 hours (KINETIC_DAILY_UPLOAD_FILES, KINETIC_DAILY_UPLOAD_BYTES): nothing was stored; ${when}`,
    {
      files: { stored: used.files, adding: adding.files, limit: quota.files },
      bytes: { stored: used.bytes, adding: adding.bytes, limit: quota.bytes },
      ...(retryAt !== undefined && { retryAt: retryAt.toISOString() }),
    },
    retryAfterS,
  );
}
