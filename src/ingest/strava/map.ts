/**
 * Strava JSON → Kinetic's normalized activity. Pure: no I/O, no clock. Nothing outside
 * `src/ingest/strava` knows Strava's shapes (DESIGN.md).
 *
 * - `sport` is Strava's `sport_type` in lower snake case (`run`, `trail_run`, `weight_training`, …;
 *   replies before 2022 only have the deprecated `type`); the category comes from the sport type:
 *   Run, TrailRun and VirtualRun are runs; WeightTraining, Workout, Crossfit and
 *   HighIntensityIntervalTraining are strength; everything else is `other`.
 * - Activities without a distance (strength, most manual entries) have `distanceM: null`, as FIT
 *   strength sessions do; runs keep theirs (a manual treadmill run may report one).
 * - Laps are indexed from 0 in Strava's order; streams become the columnar `SampleStreams` with `t`
 *   as Strava's `time` (which may start after 0 when a privacy zone crops the start).
 */
import type { ActivityCategory, Lap as KineticLap, NormalizedActivity, SampleStreams } from '../../domain/activity.ts';
import { StravaResponseError } from './errors.ts';
import type { DetailedActivity, Lap, StreamSet, SummaryActivity } from './schemas.ts';

export const RUN_SPORT_TYPES: ReadonlySet<string> = new Set(['Run', 'TrailRun', 'VirtualRun']);
export const STRENGTH_SPORT_TYPES: ReadonlySet<string> = new Set(['WeightTraining', 'Workout', 'Crossfit', 'HighIntensityIntervalTraining']);

export function sportTypeOf(a: Pick<SummaryActivity, 'sport_type' | 'type'>): string {
  return a.sport_type ?? a.type ?? 'Workout';
}

export function categoryOf(sportType: string): ActivityCategory {
  if (RUN_SPORT_TYPES.has(sportType)) return 'run';
  if (STRENGTH_SPORT_TYPES.has(sportType)) return 'strength';
  return 'other';
}

/** `TrailRun` → `trail_run`, `HighIntensityIntervalTraining` → `high_intensity_interval_training`. */
export function snakeSport(sportType: string): string {
  return sportType
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Whether the activity's laps and streams are worth fetching: recorded runs. Strength sessions need
 * none (their summary is what the coaching uses), manual entries have none.
 */
export function wantsDetails(a: Pick<SummaryActivity, 'sport_type' | 'type' | 'manual'>): boolean {
  return categoryOf(sportTypeOf(a)) === 'run' && a.manual !== true;
}

function orNull(v: number | null | undefined): number | null {
  return v === undefined || v === null ? null : v;
}

export function toLaps(laps: readonly Lap[]): KineticLap[] {
  return [...laps]
    .sort((a, b) => a.lap_index - b.lap_index)
    .map((l, index) => ({
      index,
      startTime: new Date(l.start_date),
      elapsedS: l.elapsed_time,
      movingS: orNull(l.moving_time),
      distanceM: orNull(l.distance),
      avgHr: orNull(l.average_heartrate),
      maxHr: orNull(l.max_heartrate),
      avgSpeedMps: orNull(l.average_speed),
      intensity: null,
    }));
}

/**
 * The streams as `SampleStreams`, or null when there is no `time` stream (none recorded, or Strava
 * has not processed a new upload yet). A stream whose length differs from `time`'s is malformed.
 */
export function toSampleStreams(streams: StreamSet | null | undefined, activityId: string): SampleStreams | null {
  const t = streams?.time?.data;
  if (streams === null || streams === undefined || t === undefined || t.length === 0) return null;
  const n = t.length;
  function channel(key: 'distance' | 'velocity_smooth' | 'heartrate' | 'cadence' | 'altitude' | 'watts'): (number | null)[] {
    const data = streams![key]?.data;
    if (data === undefined) return new Array<number | null>(n).fill(null);
    if (data.length !== n) throw new StravaResponseError(`Strava streams of activity ${activityId}: ${key}.data has ${data.length} points, time has ${n}`);
    return data;
  }
  return {
    t: [...t],
    distanceM: channel('distance'),
    speedMps: channel('velocity_smooth'),
    heartRate: channel('heartrate'),
    cadence: channel('cadence'),
    altitudeM: channel('altitude'),
    powerW: channel('watts'),
  };
}

export interface StravaActivityParts {
  summary: SummaryActivity | DetailedActivity;
  laps?: readonly Lap[];
  streams?: StreamSet | null;
}

export function toNormalizedActivity(parts: StravaActivityParts): NormalizedActivity {
  const a = parts.summary;
  const sportType = sportTypeOf(a);
  const category = categoryOf(sportType);
  const detailed = a as Partial<DetailedActivity>;
  return {
    source: 'strava',
    sourceId: a.id,
    sport: snakeSport(sportType),
    subSport: null,
    category,
    name: a.name === '' ? null : a.name,
    startTime: new Date(a.start_date),
    elapsedS: a.elapsed_time,
    movingS: a.moving_time,
    distanceM: a.distance > 0 || category === 'run' ? a.distance : null,
    ascentM: orNull(a.total_elevation_gain),
    avgHr: orNull(a.average_heartrate),
    maxHr: orNull(a.max_heartrate),
    calories: orNull(detailed.calories),
    device: detailed.device_name ?? null,
    laps: toLaps(parts.laps ?? detailed.laps ?? []),
    sets: [],
    streams: toSampleStreams(parts.streams, a.id),
  };
}
