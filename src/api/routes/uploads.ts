/**
 * FIT uploads: `POST /athletes/:id/uploads` (multipart, one or many files; zips and gzips are opened),
 * the status of one upload, the athlete's list, and the stored file itself.
 *
 * Each FIT file is stored first (bytes + sha256, its own commit: nothing is lost) and then queued for
 * `fit-ingest`; the response (202) lists one upload per file, and every file not taken (a GPX, a TCX,
 * macOS metadata, an archive entry over a limit) in `skipped` with the reason. The same bytes again are
 * the existing upload, reported `duplicate`. Files are read one at a time (memory holds at most one file
 * of KINETIC_MAX_UPLOAD_BYTES, or one archive and one of its entries). A file over the limit is not
 * stored; the others of the request are, and the answer is 413 naming the file (see docs/api.md, Uploads).
 */
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { uploadActivityIds, uploadBytes, uploadsPage } from '../../db/repositories/athlete-data.ts';
import { getUpload } from '../../db/repositories/uploads.ts';
import { archiveLimits, ArchiveReadError, gunzipCapped, kindOfNamedFile, mib, readZip, SizeLimitError, SNIFF_BYTES, sniff, storedName } from '../../ingest/archive.ts';
import { storeFitUpload } from '../../services/fit-import.ts';
import { assertVisible, athleteScope, requireAuth } from '../../http/auth.ts';
import { IdParams, UploadDto, uploadDto, UploadStatus, Uuid } from '../dto.ts';
import { ApiError, errorResponses, notFound } from '../../http/errors.ts';
import { sendFile, type ApiApp } from '../../http/app.ts';

interface SkippedFile {
  filename: string;
  reason: string;
}

/** Files (and non-file fields) one request may carry. */
const MAX_FILES_PER_REQUEST = 1000;
/**
 * Entries looked at in one uploaded archive: fewer than the CLI's, as each FIT entry becomes a queued
 * job on a shared server.
 */
const ZIP_MAX_ENTRIES = 20_000;

const Accepted = z.object({
  id: Uuid,
  filename: z.string(),
  status: UploadStatus,
  note: z.string().optional().meta({ description: 'for a duplicate: which earlier upload has the same bytes' }),
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
  // A file over the limit is truncated and flagged (`file.truncated`), not thrown: the request goes on.
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: config.maxUploadBytes, files: MAX_FILES_PER_REQUEST, parts: MAX_FILES_PER_REQUEST + 100 } });

  /** Stores one file and queues its parse; the same bytes again → the existing upload, `duplicate`. */
  async function intake(athleteId: string, filename: string, bytes: Uint8Array): Promise<Accepted> {
    const { upload, created } = await storeFitUpload(db, { athleteId, filename, bytes });
    // A stored upload not parsed yet (`queued`, or `processing` when a worker died) is queued again
    // (idempotent: one job per upload id), so a file whose job was lost gets one by being sent again.
    if (created || upload.status === 'queued' || upload.status === 'processing') await jobs.enqueue('fit-ingest', { uploadId: upload.id });
    if (created) return { id: upload.id, filename, status: upload.status };
    return { id: upload.id, filename, status: 'duplicate', note: `same bytes as upload ${upload.id} (${upload.filename}, ${upload.status})` };
  }

  /** A gzip's content, at most the per-file limit; or why it was not taken. */
  async function gunzipped(filename: string, bytes: Buffer): Promise<{ bytes: Buffer } | SkippedFile> {
    try {
      return { bytes: await gunzipCapped(bytes, config.maxUploadBytes) };
    } catch (err) {
      if (err instanceof SizeLimitError) return { filename, reason: `larger than the ${mib(config.maxUploadBytes)} limit per file once uncompressed` };
      return { filename, reason: `not a readable gzip file: ${err instanceof Error ? err.message : String(err)}` };
    }
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
        response: { 202: UploadsAccepted, ...errorResponses(400, 401, 404, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const athlete = await athleteScope(request, request.params.id);
      if (!request.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send the files as multipart/form-data');
      const uploads: Accepted[] = [];
      const skipped: SkippedFile[] = [];
      const tooLarge: string[] = [];
      let files = 0;
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        files++;
        const filename = cleanName(part.filename);
        const bytes = await part.toBuffer();
        if (part.file.truncated) {
          tooLarge.push(filename);
          continue;
        }
        const kind = kindOfNamedFile(filename, bytes.subarray(0, SNIFF_BYTES));
        if (kind === 'fit') {
          uploads.push(await intake(athlete.id, filename, bytes));
        } else if (kind === 'fit.gz' || kind === 'gzip') {
          const inner = await gunzipped(filename, bytes);
          if ('reason' in inner) skipped.push(inner);
          // A gzip of unknown name is taken only when a FIT file is inside.
          else if (kind === 'gzip' && sniff(inner.bytes) !== 'fit') skipped.push({ filename, reason: 'not a FIT file (a gzip of something else)' });
          else uploads.push(await intake(athlete.id, storedName(filename), inner.bytes));
        } else if (kind === 'zip') {
          try {
            for await (const item of readZip({ bytes }, filename, archiveLimits(config.maxUploadBytes, bytes.length, ZIP_MAX_ENTRIES))) {
              if (item.type === 'fit') uploads.push(await intake(athlete.id, item.filename, item.bytes));
              else skipped.push({ filename: item.path, reason: item.reason });
            }
          } catch (err) {
            // Only the archive's own errors: a database or queue error fails the request.
            if (!(err instanceof ArchiveReadError)) throw err;
            skipped.push({ filename, reason: `not a readable zip: ${err.message}` });
          }
        } else {
          skipped.push({ filename, reason: kind.skip });
        }
      }
      if (files === 0) throw new ApiError(400, 'no_files', 'the request has no file parts: send one or more FIT files (or zips or gzips of them) as multipart/form-data');
      if (tooLarge.length > 0) {
        throw new ApiError(
          413,
          'file_too_large',
          `${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the ${mib(config.maxUploadBytes)} limit per file (KINETIC_MAX_UPLOAD_BYTES): not stored${uploads.length > 0 ? `; the other ${uploads.length} file(s) were stored and queued` : ''}`,
          { tooLarge: tooLarge.map((f) => ({ filename: f, limitBytes: config.maxUploadBytes })), uploads, ...(skipped.length > 0 && { skipped }) },
        );
      }
      if (uploads.length === 0) {
        throw new ApiError(422, 'no_fit_files', `nothing to import: ${skipped.map((s) => `${s.filename}: ${s.reason}`).join('; ')}`, { skipped });
      }
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
      const file = await uploadBytes(db, request.params.id);
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
