/**
 * The portable export of one athlete (`GET /athletes/:id/export`; docs/api.md, Export): every row of
 * theirs in the API's shapes (camelCase, SI units, ISO instants), streamed — never held whole.
 *
 * - Without files: one JSON document (`application/json`), written as it is read from the database in
 *   batches (src/db/repositories/athlete-data.ts), so memory stays flat whatever the history.
 * - With files (`?include=files`): a zip, streamed too — `data.json` (the same document; each upload
 *   names its `file` in the zip) first, then every upload's original bytes as `files/<upload id>/<name>`,
 *   read from the database a few megabytes at a time. Files are stored as they are (no CPU spent on
 *   deflating them), `data.json` is deflated.
 *
 * `?include=streams` adds the activities' sample streams (derived from the FIT files, so the files
 * are the complete record). Tables this module does not know (added after it: weekly reports,
 * schedules, …) are exported too: every table with an `athlete_id` column not listed in KNOWN lands in
 * `other.<table>` as its rows.
 *
 * Once the first bytes are sent the status is 200: a database error after that ends the response early
 * (the download is cut short, the zip has no central directory) and is logged.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import yazl from 'yazl';
import { z } from 'zod';
import {
  athleteTables,
  exportActivities,
  exportDailyLoad,
  exportPlans,
  exportTokens,
  exportUploads,
  exportWeeks,
  rowsOfAthlete,
  uploadByteChunks,
  type UploadKey,
} from '../db/repositories/athlete-data.ts';
import type { Athlete, Database } from '../db/schema.ts';
import type { UploadSummary } from '../db/repositories/uploads.ts';
import { decodeStreams } from '../domain/streams-codec.ts';
import { toLap } from '../db/repositories/activities.ts';
import { toPlannedSession } from '../db/repositories/plans.ts';
import { activityDto, athleteDto, iso, isoOrNull } from './dto.ts';
import { verbatim } from '../http/zod.ts';

export const EXPORT_FORMAT = 'kinetic-athlete-export';
export const EXPORT_VERSION = 1;

/** Per-athlete tables exported in their own sections (or, like api_tokens, on purpose only in part). */
const KNOWN = new Set(['activities', 'uploads', 'plans', 'activity_metrics', 'week_compliance', 'daily_load', 'api_tokens']);

/** Rows per database query: what an export holds in memory at a time (besides one chunk of a file). */
const BATCH = { activities: 200, activitiesWithStreams: 10, uploads: 500, weeks: 100, dailyLoad: 1000, other: 200 } as const;

/** Bytes of an upload read per query (a 50 MB file is read in 25 steps, never as one string of its size or more). */
export const FILE_CHUNK_BYTES = 2 * 1024 * 1024;

export const ExportDocument = verbatim(
  z
    .looseObject({
      format: z.literal(EXPORT_FORMAT),
      version: z.literal(EXPORT_VERSION),
      exportedAt: z.string(),
      athlete: z.looseObject({ id: z.string() }),
      plans: z.array(z.unknown()),
      activities: z.array(z.unknown()),
      uploads: z.array(z.unknown()),
      weeks: z.array(z.unknown()),
      dailyLoad: z.array(z.unknown()),
      apiTokens: z.array(z.unknown()),
      other: z.record(z.string(), z.array(z.unknown())),
    })
    .meta({ description: 'every row of the athlete (docs/api.md, Export); with ?include=files a zip of this document (data.json) and the uploaded files' }),
);
export type ExportDocument = z.infer<typeof ExportDocument>;

export interface ExportOptions {
  withStreams: boolean;
  now: Date;
}

/** A row as plain JSON: bytes as base64, instants as ISO strings. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v instanceof Date ? v.toISOString() : v]),
  );
}

/** The name of an upload's file in the zip: `files/<upload id>/<its name>` (the last part of a path, made safe). */
export function zipPathOf(upload: { id: string; filename: string }): string {
  const last = upload.filename.split(/[\\/]/).at(-1) ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return `files/${upload.id}/${clean === '' || /^\.+$/.test(clean) ? 'upload' : clean}`;
}

/** `[` + each item of the batches as JSON, comma-separated + `]`, one string per batch. */
async function* jsonArray<T>(batches: AsyncIterable<T[]>, toJson: (item: T) => unknown): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield (first ? '' : ',') + batch.map((item) => JSON.stringify(toJson(item))).join(',');
    first = false;
  }
  yield ']';
}

async function* single<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}

/**
 * The export document as a stream of JSON text. `files` (the zip): each upload names its file in the
 * zip, and `files.last` is set to the last upload listed.
 */
export async function* exportDocument(db: Kysely<Database>, athlete: Athlete, opts: ExportOptions & { files?: { last?: UploadKey } }): AsyncGenerator<string> {
  const head = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: opts.now.toISOString(), athlete: athleteDto(athlete) };
  yield JSON.stringify(head).slice(0, -1);

  yield ',"plans":';
  yield* jsonArray(single(exportPlans(db, athlete.id)), ({ plan, sessions }) => ({
    id: plan.id,
    name: plan.name,
    startDate: plan.start_date,
    raceDate: plan.race_date,
    raceDistanceM: plan.race_distance_m,
    raceGoalS: plan.race_goal_s,
    units: plan.units,
    source: plan.source,
    active: plan.active,
    createdAt: iso(plan.created_at),
    replacedAt: isoOrNull(plan.replaced_at),
    sessions: sessions.map(toPlannedSession).map(({ id: _id, ...s }) => s),
  }));

  yield ',"activities":';
  async function* activities(): AsyncGenerator<Record<string, unknown>[]> {
    const size = opts.withStreams ? BATCH.activitiesWithStreams : BATCH.activities;
    for await (const b of exportActivities(db, athlete.id, { withStreams: opts.withStreams, size })) {
      const byActivity = <T extends { activity_id: string }>(items: T[]): Map<string, T[]> => {
        const m = new Map<string, T[]>();
        for (const i of items) m.set(i.activity_id, [...(m.get(i.activity_id) ?? []), i]);
        return m;
      };
      const laps = byActivity(b.laps);
      const sets = byActivity(b.sets);
      const streams = new Map(b.streams.map((s) => [s.activity_id, s]));
      const metrics = new Map(b.metrics.map((m) => [m.activity_id, m.data]));
      yield b.activities.map((a) => {
        const stream = streams.get(a.id);
        return {
          ...activityDto(a),
          sourceId: a.source_id,
          laps: (laps.get(a.id) ?? []).map((l) => ({ ...toLap(l), startTime: iso(l.start_time) })),
          sets: (sets.get(a.id) ?? []).map((s) => ({
            index: s.set_index,
            setType: s.set_type,
            startTime: isoOrNull(s.start_time),
            durationS: s.duration_s,
            category: s.category,
            exerciseName: s.exercise_name,
            reps: s.reps,
            weightKg: s.weight_kg,
          })),
          metrics: metrics.get(a.id) ?? null,
          ...(opts.withStreams && { streams: stream === undefined ? null : decodeStreams(stream.data) }),
        };
      });
    }
  }
  yield* jsonArray(activities(), (a) => a);

  yield ',"uploads":';
  async function* uploads(): AsyncGenerator<Record<string, unknown>[]> {
    for await (const b of exportUploads(db, athlete.id, { size: BATCH.uploads })) {
      if (opts.files !== undefined) opts.files.last = b.last;
      yield b.uploads.map((u: UploadSummary) => ({
        id: u.id,
        filename: u.filename,
        sha256: u.sha256,
        sizeBytes: u.size_bytes,
        status: u.status,
        error: u.error,
        createdAt: iso(u.created_at),
        processedAt: isoOrNull(u.processed_at),
        activityIds: b.activityIds.get(u.id) ?? [],
        ...(opts.files !== undefined && { file: zipPathOf(u) }),
      }));
    }
  }
  yield* jsonArray(uploads(), (u) => u);

  yield ',"weeks":';
  yield* jsonArray(exportWeeks(db, athlete.id, BATCH.weeks), (w) => w);

  yield ',"dailyLoad":';
  yield* jsonArray(exportDailyLoad(db, athlete.id, BATCH.dailyLoad), (d) => ({
    date: d.date,
    load: d.load,
    acute: d.acute,
    chronic: d.chronic,
    form: d.form,
    acwrAcute: d.acwr_acute,
    acwrChronic: d.acwr_chronic,
    acwr: d.acwr,
    day: d.day,
  }));

  // Token hashes are credentials: only which tokens exist and when they were used.
  const tokens = await exportTokens(db, athlete.id);
  yield `,"apiTokens":${JSON.stringify(tokens.map((t) => ({ id: t.id, createdAt: iso(t.created_at), lastUsedAt: isoOrNull(t.last_used_at) })))}`;

  yield ',"other":{';
  let firstTable = true;
  for (const table of await athleteTables(db)) {
    if (KNOWN.has(table)) continue;
    yield `${firstTable ? '' : ','}${JSON.stringify(table)}:`;
    firstTable = false;
    yield* jsonArray(rowsOfAthlete(db, table, athlete.id, BATCH.other), plain);
  }
  yield '}}';
}

/** The JSON export as a byte stream for the reply. */
export function exportJsonStream(db: Kysely<Database>, athlete: Athlete, opts: ExportOptions): Readable {
  return Readable.from(exportDocument(db, athlete, opts), { objectMode: false });
}

/**
 * The export with files: a zip written as the client reads it. One entry is in flight at a time; the
 * next is added only when the previous one has been read, so memory holds one chunk of one file (and
 * the zip's central directory, a few hundred bytes per entry, written at the end).
 */
export function exportZipStream(db: Kysely<Database>, athlete: Athlete, opts: ExportOptions): Readable {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as Readable;
  let current: Readable | undefined;
  let closed = false;
  // The client went away (or the reply failed): stop reading the database.
  out.once('close', () => {
    closed = true;
    current?.destroy();
  });
  zip.on('error', (err: Error) => out.destroy(err));

  /** Adds one entry and resolves once yazl has read all of it. */
  const add = (path: string, content: Readable, options: { compress: boolean; mtime: Date }): Promise<void> =>
    new Promise((resolve, reject) => {
      current = content;
      content.once('end', resolve);
      content.once('error', reject);
      content.once('close', () => (closed ? reject(new Error('export cancelled: the client went away')) : undefined));
      zip.addReadStream(content, path, options);
    });

  const files: { last?: UploadKey } = {};
  void (async () => {
    await add('data.json', Readable.from(exportDocument(db, athlete, { ...opts, files }), { objectMode: false }), { compress: true, mtime: opts.now });
    if (files.last !== undefined) {
      for await (const b of exportUploads(db, athlete.id, { size: BATCH.uploads, upTo: files.last })) {
        for (const u of b.uploads) {
          if (closed) return;
          await add(zipPathOf(u), Readable.from(uploadByteChunks(db, u.id, FILE_CHUNK_BYTES), { objectMode: false }), { compress: false, mtime: u.created_at });
        }
      }
    }
    zip.end();
  })().catch((err: unknown) => {
    if (!closed) out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return out;
}

/**
 * Sends the export: the JSON document, or with `withFiles` the zip. Streamed as it is read (constant
 * memory): the status and headers go out before the data.
 */
export function sendExport(reply: FastifyReply, db: Kysely<Database>, athlete: Athlete, opts: ExportOptions & { withFiles: boolean }): FastifyReply {
  void reply.header('cache-control', 'private, no-store');
  if (opts.withFiles) {
    return reply.type('application/zip').header('content-disposition', `attachment; filename="kinetic-export-${athlete.id}.zip"`).send(exportZipStream(db, athlete, opts));
  }
  return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="kinetic-export-${athlete.id}.json"`).send(exportJsonStream(db, athlete, opts));
}
