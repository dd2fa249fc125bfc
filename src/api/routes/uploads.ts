/**
 * FIT uploads: `POST /athletes/:id/uploads` (multipart, one or many files; zips and gzips are opened),
 * the status of one upload, the athlete's list, and the stored file itself.
 *
 * The request's files are collected to disk first, archives expanded, its limits counted
 * (src/services/upload-intake.ts); then its FIT files are stored in one transaction, within the
 * athlete's daily quota, and queued for `fit-ingest`. The response (202) lists one upload per file,
 * and every file not taken (a GPX, a TCX, macOS metadata, an archive entry over the per-file limit) in
 * `skipped` with the reason. The same bytes again are the existing upload, reported `duplicate`. A
 * request over a limit is refused whole — 413 (a file over the per-file limit, too many files or bytes,
 * an archive expanding too far), 429 (the daily quota), 503 (archive slots busy) — and nothing of it
 * is stored (see docs/api.md, Uploads).
 */
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { uploadActivityIds, uploadBytes, uploadsPage } from '../../db/repositories/athlete-data.ts';
import { getUpload, requeueFailedUpload } from '../../db/repositories/uploads.ts';
import { mib } from '../../ingest/archive.ts';
import { UnzipBusyError, UploadIntake, UploadLimitError, UploadQuotaError, UploadReadError, type StoredFile } from '../../services/upload-intake.ts';
import { nextTurn } from '../../util/event-loop.ts';
import { Slots } from '../../util/slots.ts';
import { assertVisible, athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams, UploadDto, uploadDto, UploadStatus, Uuid } from '../dto.ts';
import { ApiError, errorResponses, notFound } from '../../http/errors.ts';
import { readParts } from '../../http/multipart.ts';
import { RedisUnavailableError } from '../../jobs/queues.ts';
import { sendFile, type ApiApp } from '../../http/app.ts';

/**
 * Entries the archives of one request may hold in all (each is looked at, most are FIT files that
 * become queued jobs); fewer than the CLI's 200,000 per archive.
 */
const ZIP_MAX_ENTRIES = 20_000;
/** Requests that may wait for an archive slot, per slot; more are answered 503 at once. */
const UNZIP_WAITERS_PER_SLOT = 4;
/** Retry-After of a 503 for busy archive slots (seconds): an expansion takes seconds at most. */
const UNZIP_RETRY_AFTER_S = 10;
/** The part codes of @fastify/multipart when a request has more file parts than allowed. */
const TOO_MANY_PARTS = new Set(['FST_FILES_LIMIT', 'FST_PARTS_LIMIT']);

const Accepted = z.object({
  id: Uuid,
  filename: z.string(),
  status: UploadStatus,
  note: z.string().optional().meta({ description: 'for a duplicate: which earlier upload has the same bytes; for a file stored while the job queue was unreachable: that it will be queued within minutes' }),
});
type Accepted = z.infer<typeof Accepted>;

const UploadsAccepted = z.object({
  uploads: z.array(Accepted),
  skipped: z
    .array(z.object({ filename: z.string(), reason: z.string() }))
    .optional()
    .meta({ description: 'files and archive entries that were not taken (GPX, TCX, macOS metadata, over a limit, unreadable), with the reason' }),
});

const MultipartFiles = z.unknown().meta({
  type: 'object',
  properties: { file: { type: 'array', items: { type: 'string', format: 'binary' }, description: 'one or more .fit or .fit.gz files, or zips of them (any field name)' } },
});

/** A client-given file name, without directories and control characters. */
function cleanName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).at(-1) ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean === '' ? 'upload.fit' : clean.slice(0, 255);
}

export async function uploadRoutes(app: ApiApp): Promise<void> {
  const { db, jobs, config } = app.deps;
  const limits = config.uploadLimits;
  // A file over the limit is truncated and flagged (`file.truncated`), not thrown: the request goes on.
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: config.maxUploadBytes, files: limits.requestFiles, parts: limits.requestFiles + 100 } });
  const unzipSlots = new Slots(limits.concurrentUnzips, limits.concurrentUnzips * UNZIP_WAITERS_PER_SLOT);

  /** Queues the parse of a stored file; the same bytes again → the existing upload, `duplicate`. */
  async function queue({ filename, upload, created }: StoredFile): Promise<Accepted> {
    // A stored upload not parsed yet (`queued`, or `processing` when a worker died) is queued again
    // (idempotent: one job per upload id), so a file whose job was lost gets one by being sent again.
    if (created || upload.status === 'queued' || upload.status === 'processing') await jobs.enqueue('fit-ingest', { uploadId: upload.id });
    if (created) return { id: upload.id, filename, status: upload.status };
    // One that failed is parsed again (after a fix, or when its job gave up while the database was
    // away): sending the file again is the web's "retry"; its job, kept failed, runs again.
    if (upload.status === 'failed' && (await requeueFailedUpload(db, upload.id))) {
      await jobs.enqueue('fit-ingest', { uploadId: upload.id }, { again: true });
      return { id: upload.id, filename, status: 'queued', note: `same bytes as upload ${upload.id} (${upload.filename}), which had failed (${upload.error ?? 'unknown error'}): parsed again` };
    }
    return { id: upload.id, filename, status: 'duplicate', note: `same bytes as upload ${upload.id} (${upload.filename}, ${upload.status})` };
  }

  /** What the client is told when reading the request stopped at a limit. */
  function refusal(err: unknown): unknown {
    if (err instanceof UploadLimitError) {
      const code = { files: 'too_many_files', bytes: 'request_too_large', expanded: 'archive_too_large', entries: 'archive_too_large' }[err.limit];
      return new ApiError(413, code, err.message, err.details);
    }
    // A body cut short or malformed in the middle of a file: the client's mistake.
    if (err instanceof UploadReadError) return new ApiError(400, 'bad_request', `the multipart/form-data body could not be read: ${err.message}`);
    if (err instanceof UnzipBusyError) {
      return new ApiError(503, 'busy', `${err.message}: send the request again in ${UNZIP_RETRY_AFTER_S} s`, undefined, { 'retry-after': String(UNZIP_RETRY_AFTER_S) });
    }
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TOO_MANY_PARTS.has(code)) {
      return new ApiError(
        413,
        'too_many_files',
        `this request has more than ${limits.requestFiles} files, more than one request may store (KINETIC_MAX_REQUEST_FILES): nothing was stored. Send them in several requests`,
        { limit: limits.requestFiles, countIsAtLeast: true },
      );
    }
    return err;
  }

  app.post(
    '/athletes/:id/uploads',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['uploads'],
        summary:
          'upload FIT files (multipart/form-data, one or many; .fit.gz is uncompressed; a .zip fans out into one upload per .fit or .fit.gz entry; GPX, TCX and other files are listed in skipped); each is stored and queued',
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: MultipartFiles,
        response: { 202: UploadsAccepted, ...errorResponses(400, 401, 404, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      if (!request.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send the files as multipart/form-data');
      const intake = await UploadIntake.open(
        { fileBytes: config.maxUploadBytes, requestFiles: limits.requestFiles, requestBytes: limits.requestBytes, expandedBytes: limits.expandedBytes, archiveEntries: ZIP_MAX_ENTRIES },
        unzipSlots,
      );
      let stored: StoredFile[];
      try {
        try {
          for await (const part of readParts(request)) {
            if (part.type !== 'file') continue;
            await intake.addFile(cleanName(part.filename), part.file, () => part.file.truncated);
          }
        } catch (err) {
          throw refusal(err);
        }
        const { skipped, tooLarge } = intake;
        if (intake.parts === 0) throw new ApiError(400, 'no_files', 'the request has no file parts: send one or more FIT files (or zips or gzips of them) as multipart/form-data');
        if (tooLarge.length > 0) {
          throw new ApiError(
            413,
            'file_too_large',
            `${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the ${mib(config.maxUploadBytes)} limit per file (KINETIC_MAX_UPLOAD_BYTES): nothing was stored`,
            { tooLarge: tooLarge.map((f) => ({ filename: f, limitBytes: config.maxUploadBytes })), ...(skipped.length > 0 && { skipped }) },
          );
        }
        if (intake.fits.length === 0) {
          throw new ApiError(422, 'no_fit_files', `nothing to import: ${skipped.map((s) => `${s.filename}: ${s.reason}`).join('; ')}`, { skipped });
        }
        // The administrator is trusted (docs/security.md): the daily quota is the athletes'.
        const quota = request.principal?.kind === 'admin' ? undefined : { files: limits.dailyFiles, bytes: limits.dailyBytes };
        try {
          stored = await intake.store(db, athlete.id, quota);
        } catch (err) {
          if (!(err instanceof UploadQuotaError)) throw err;
          throw new ApiError(429, 'upload_quota_exceeded', err.message, err.details, err.retryAfterS === undefined ? {} : { 'retry-after': String(err.retryAfterS) });
        }
      } finally {
        await intake.close();
      }
      // The files are stored (committed): the answer is 202 whatever the queue does. When the queue is
      // unreachable the rest are not tried (each try waits for it); the reconciliation queues them
      // within minutes of its return (docs/jobs.md, "Reconciliation"), and so does sending them again.
      const uploads: Accepted[] = [];
      let queueDown: RedisUnavailableError | undefined;
      for (const file of stored) {
        if (queueDown === undefined) {
          try {
            uploads.push(await queue(file));
            continue;
          } catch (err) {
            if (!(err instanceof RedisUnavailableError)) throw err;
            queueDown = err;
            request.log.warn({ err: err.message }, 'uploads stored but not queued: the reconciliation will queue them');
          }
        }
        const { filename, upload, created } = file;
        const note = `stored; the job queue is unreachable just now (${queueDown.message}): it is queued within minutes of the queue's return`;
        uploads.push({ id: upload.id, filename, status: created ? upload.status : 'duplicate', note });
      }
      const { skipped } = intake;
      request.log.info({ athleteId: athlete.id, uploads: uploads.length, skipped: skipped.length }, 'uploads accepted');
      return reply.status(202).send({ uploads, ...(skipped.length > 0 && { skipped }) });
    },
  );

  app.get(
    '/uploads/:id',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['uploads'],
        summary: 'the status of one upload (queued, processing, imported, duplicate, failed) and the activities it produced',
        params: z.object({ id: Uuid }),
        response: { 200: UploadDto, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const upload = await getUpload(db, request.params.id);
      if (upload === undefined) throw notFound('upload');
      assertVisible(request, upload.athlete_id, 'upload');
      const ids = await uploadActivityIds(db, [upload.id]);
      return uploadDto(upload, ids.get(upload.id) ?? []);
    },
  );

  app.get(
    '/uploads/:id/file',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['uploads'],
        summary: 'the stored file, byte for byte',
        params: z.object({ id: Uuid }),
        response: { 200: z.unknown().meta({ type: 'string', format: 'binary' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const file = await uploadBytes(db, request.params.id, nextTurn);
      if (file === undefined) throw notFound('upload');
      assertVisible(request, file.athleteId, 'upload');
      return sendFile(reply, 'application/octet-stream', file.filename, Buffer.from(file.bytes));
    },
  );

  app.get(
    '/athletes/:id/uploads',
    {
      onRequest: requireAuth,
      schema: {
        tags: ['uploads'],
        summary: "the athlete's uploads, newest first",
        params: IdParams,
        querystring: z.object({
          status: UploadStatus.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ uploads: z.array(UploadDto), limit: z.number(), offset: z.number(), nextOffset: z.number().nullable() }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const athlete = await athleteScope(request, request.params.id);
      const { limit, offset, status } = request.query;
      const rows = await uploadsPage(db, athlete.id, { limit: limit + 1, offset, status });
      const page = rows.slice(0, limit);
      const ids = await uploadActivityIds(db, page.map((u) => u.id));
      return { uploads: page.map((u) => uploadDto(u, ids.get(u.id) ?? [])), limit, offset, nextOffset: rows.length > limit ? offset + limit : null };
    },
  );
}
