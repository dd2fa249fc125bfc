/**
 * The API's resource shapes (zod schemas, camelCase, SI units, ISO 8601 instants) and the mappings
 * from database rows to them. Responses are serialised through these schemas: what they do not name
 * is never sent.
 */
import { z } from 'zod';
import type { Lap, StrengthSet } from '../domain/activity.ts';
import { weekdayOfNumber } from '../domain/report-schedule.ts';
import { WEEKDAYS } from '../domain/iso-week.ts';
import type { ActivityRow, Athlete } from '../db/schema.ts';
import type { UploadSummary } from '../db/repositories/uploads.ts';

const METRES_PER_UNIT = { km: 1000, mi: 1609.344 } as const;

export const Uuid = z.uuid();
export const IdParams = z.object({ id: Uuid.meta({ description: 'athlete id' }) });

const instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', format: 'date-time' });
const localDate = z.string().meta({ description: 'local calendar date in the athlete time zone', format: 'date' });

function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : new Date(d).toISOString();
}

function isoOrNull(d: Date | string | null): string | null {
  return d === null ? null : iso(d);
}

/** `4:10/km` or `6:45/mi` → metres per second; undefined when the text is not a pace. */
export function parsePace(text: string): number | undefined {
  const m = /^(\d{1,2}):([0-5]\d)\s*\/\s*(km|mi)$/.exec(text.trim());
  if (m === null) return undefined;
  const seconds = Number(m[1]) * 60 + Number(m[2]);
  return seconds === 0 ? undefined : METRES_PER_UNIT[m[3] as 'km' | 'mi'] / seconds;
}

/** Metres per second → `m:ss/<units>`. */
export function formatPace(mps: number, units: 'km' | 'mi'): string {
  const total = Math.round(METRES_PER_UNIT[units] / mps);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}/${units}`;
}

export const AthleteDto = z
  .object({
    id: Uuid,
    name: z.string(),
    email: z.string().nullable(),
    timezone: z.string().meta({ description: 'IANA time zone; days and ISO weeks are counted in it' }),
    sex: z.enum(['f', 'm']).nullable(),
    maxHr: z.number().int().nullable(),
    restingHr: z.number().int().nullable(),
    lthr: z.number().int().nullable(),
    thresholdPace: z.string().nullable().meta({ description: 'threshold pace in the athlete units, e.g. 4:10/km' }),
    thresholdSpeedMps: z.number().nullable(),
    units: z.enum(['km', 'mi']),
    thresholds: z.record(z.string(), z.number()).nullable().meta({ description: 'overrides of the recommender thresholds (docs/flags.md)' }),
    reportDay: z.enum(WEEKDAYS).meta({ description: 'weekday the weekly report comes (for the ISO week just ended)' }),
    reportTime: z.string().meta({ description: 'local time of day (HH:MM, athlete time zone) the weekly report comes' }),
    createdAt: instant,
  })
  .meta({ description: 'an athlete and their settings' });
export type AthleteDto = z.infer<typeof AthleteDto>;

export function athleteDto(a: Athlete): AthleteDto {
  return {
    id: a.id,
    name: a.name,
    email: a.email,
    timezone: a.timezone,
    sex: a.sex,
    maxHr: a.max_hr,
    restingHr: a.resting_hr,
    lthr: a.lthr,
    thresholdPace: a.threshold_speed_mps === null ? null : formatPace(a.threshold_speed_mps, a.units),
    thresholdSpeedMps: a.threshold_speed_mps,
    units: a.units,
    thresholds: (a.recommend_thresholds as Record<string, number> | null) ?? null,
    reportDay: weekdayOfNumber(a.report_weekday),
    reportTime: a.report_time,
    createdAt: iso(a.created_at),
  };
}

export const UploadStatus = z.enum(['queued', 'processing', 'imported', 'duplicate', 'failed']);

export const UploadDto = z.object({
  id: Uuid,
  filename: z.string(),
  status: UploadStatus,
  error: z.string().optional().meta({ description: 'why parsing failed (status failed)' }),
  activityIds: z.array(Uuid).meta({ description: 'activities the file produced or matched' }),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  createdAt: instant,
  processedAt: instant.nullable(),
});
export type UploadDto = z.infer<typeof UploadDto>;

export function uploadDto(u: UploadSummary, activityIds: string[]): UploadDto {
  return {
    id: u.id,
    filename: u.filename,
    status: u.status,
    ...(u.error !== null && { error: u.error }),
    activityIds,
    sizeBytes: u.size_bytes,
    sha256: u.sha256,
    createdAt: iso(u.created_at),
    processedAt: isoOrNull(u.processed_at),
  };
}

export const ActivityDto = z.object({
  id: Uuid,
  source: z.enum(['fit', 'strava', 'manual']).meta({ description: '`manual`: logged by hand (POST /athletes/:id/activities)' }),
  sport: z.string(),
  subSport: z.string().nullable(),
  category: z.enum(['run', 'strength', 'other']),
  name: z.string().nullable(),
  startTime: instant,
  localDate,
  timezone: z.string(),
  elapsedS: z.number(),
  movingS: z.number().nullable(),
  distanceM: z.number().nullable(),
  ascentM: z.number().nullable(),
  avgHr: z.number().int().nullable(),
  maxHr: z.number().int().nullable(),
  calories: z.number().int().nullable(),
  device: z.string().nullable(),
  rpe: z.number().int().nullable().meta({ description: 'session RPE the athlete gave, 1–10 (CR-10)' }),
  note: z.string().nullable().meta({ description: "the athlete's note" }),
});
export type ActivityDto = z.infer<typeof ActivityDto>;

export function activityDto(a: ActivityRow): ActivityDto {
  return {
    id: a.id,
    source: a.source,
    sport: a.sport,
    subSport: a.sub_sport,
    category: a.category,
    name: a.name,
    startTime: iso(a.start_time),
    localDate: a.local_date,
    timezone: a.timezone,
    elapsedS: a.elapsed_s,
    movingS: a.moving_s,
    distanceM: a.distance_m,
    ascentM: a.ascent_m,
    avgHr: a.avg_hr,
    maxHr: a.max_hr,
    calories: a.calories,
    device: a.device,
    rpe: a.rpe,
    note: a.note,
  };
}

export const LapDto = z.object({
  index: z.number().int(),
  startTime: instant,
  elapsedS: z.number(),
  movingS: z.number().nullable(),
  distanceM: z.number().nullable(),
  avgHr: z.number().nullable(),
  maxHr: z.number().nullable(),
  avgSpeedMps: z.number().nullable(),
  intensity: z.string().nullable(),
});

export function lapDto(l: Lap): z.infer<typeof LapDto> {
  return { ...l, startTime: iso(l.startTime) };
}

export const SetDto = z.object({
  index: z.number().int(),
  setType: z.enum(['active', 'rest']),
  startTime: instant.nullable(),
  durationS: z.number().nullable(),
  category: z.string().nullable(),
  exerciseName: z.string().nullable(),
  reps: z.number().int().nullable(),
  weightKg: z.number().nullable(),
});

export function setDto(s: StrengthSet): z.infer<typeof SetDto> {
  return { ...s, startTime: isoOrNull(s.startTime) };
}

export { iso, isoOrNull };
