/**
 * The portable export of one athlete (`GET /athletes/:id/export`): every row of theirs as one JSON
 * document, in the API's shapes (camelCase, SI units, ISO instants).
 *
 * Upload bytes are left out by default (each upload keeps its sha256 and size; `GET /uploads/:id/file`
 * downloads one): a few years of FIT files are hundreds of megabytes, too much for one JSON document.
 * `?include=files` adds them as base64, `?include=streams` adds the activities' sample streams (the
 * streams are derived from the FIT files, so the files are the complete record).
 *
 * Tables this module does not know (added after it: weekly reports, schedules, …) are exported too:
 * every table with an `athlete_id` column not listed in KNOWN lands in `other.<table>` as its rows.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { athleteExportRows, athleteTables, rowsOfAthlete } from '../db/repositories/athlete-data.ts';
import type { Athlete, Database } from '../db/schema.ts';
import { decodeStreams } from '../domain/streams-codec.ts';
import { toLap } from '../db/repositories/activities.ts';
import { toPlannedSession } from '../db/repositories/plans.ts';
import { activityDto, athleteDto, iso, isoOrNull } from './dto.ts';
import { verbatim } from '../http/zod.ts';

export const EXPORT_FORMAT = 'kinetic-athlete-export';
export const EXPORT_VERSION = 1;

/** Per-athlete tables exported in their own sections (or, like api_tokens, on purpose only in part). */
const KNOWN = new Set(['activities', 'uploads', 'plans', 'activity_metrics', 'week_compliance', 'daily_load', 'api_tokens']);

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
  .meta({ description: 'every row of the athlete (docs/api.md, Export)' }),
);
export type ExportDocument = z.infer<typeof ExportDocument>;

/** A row as plain JSON: bytes as base64, instants as ISO strings. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v instanceof Date ? v.toISOString() : v]),
  );
}

export async function athleteExport(
  db: Kysely<Database>,
  athlete: Athlete,
  opts: { withBytes: boolean; withStreams: boolean; now: Date },
): Promise<ExportDocument> {
  const rows = await athleteExportRows(db, athlete.id, opts);
  const group = <T extends { activity_id: string }>(items: T[]): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const i of items) m.set(i.activity_id, [...(m.get(i.activity_id) ?? []), i]);
    return m;
  };
  const laps = group(rows.laps);
  const sets = group(rows.sets);
  const streams = new Map(rows.streams.map((s) => [s.activity_id, s]));
  const metrics = new Map(rows.metrics.map((m) => [m.activity_id, m.data]));
  const links = new Map<string, string[]>();
  for (const l of rows.uploadLinks) links.set(l.upload_id, [...(links.get(l.upload_id) ?? []), l.activity_id]);

  const other: Record<string, unknown[]> = {};
  for (const table of await athleteTables(db)) {
    if (KNOWN.has(table)) continue;
    other[table] = (await rowsOfAthlete(db, table, athlete.id)).map(plain);
  }

  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: opts.now.toISOString(),
    athlete: athleteDto(athlete),
    plans: rows.plans.map(({ plan, sessions }) => ({
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
    })),
    activities: rows.activities.map((a) => {
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
    }),
    uploads: rows.uploads.map((u) => ({
      id: u.id,
      filename: u.filename,
      sha256: u.sha256,
      sizeBytes: u.size_bytes,
      status: u.status,
      error: u.error,
      createdAt: iso(u.created_at),
      processedAt: isoOrNull(u.processed_at),
      activityIds: links.get(u.id) ?? [],
      ...(u.bytes !== undefined && { bytesBase64: Buffer.from(u.bytes).toString('base64') }),
    })),
    weeks: rows.weeks,
    dailyLoad: rows.dailyLoad.map(({ athlete_id: _a, ...d }) => ({
      date: d.date,
      load: d.load,
      acute: d.acute,
      chronic: d.chronic,
      form: d.form,
      acwrAcute: d.acwr_acute,
      acwrChronic: d.acwr_chronic,
      acwr: d.acwr,
      day: d.day,
    })),
    // Token hashes are credentials: only which tokens exist and when they were used.
    apiTokens: rows.tokens.map((t) => ({ id: t.id, createdAt: iso(t.created_at), lastUsedAt: isoOrNull(t.last_used_at) })),
    other,
  };
}
