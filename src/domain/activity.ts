/**
 * The normalized activity: what every source (FIT file, Strava) is turned into before it is stored.
 * Units are SI throughout: metres, seconds, metres per second, kilograms, beats per minute.
 */

/** Where an activity came from; `manual` is logged by hand (a strength session done without a watch). */
export type ActivitySource = 'fit' | 'strava' | 'manual';

/** Coarse category used by matching and coaching: runs, strength sessions, everything else. */
export type ActivityCategory = 'run' | 'strength' | 'other';

export interface Lap {
  index: number;
  startTime: Date;
  elapsedS: number;
  /** Timer (moving) time of the lap, seconds. */
  movingS: number | null;
  distanceM: number | null;
  avgHr: number | null;
  maxHr: number | null;
  avgSpeedMps: number | null;
  /** FIT lap intensity when the device recorded it: active, rest, warmup, cooldown, recovery, interval. */
  intensity: string | null;
}

export interface StrengthSet {
  index: number;
  /** `active` sets hold work; `rest` sets are the pauses between them. */
  setType: 'active' | 'rest';
  startTime: Date | null;
  durationS: number | null;
  /** Exercise category as the device named it (e.g. `squat`, `unknown`); null when none was recorded. */
  category: string | null;
  /** Exercise name within the category when known (e.g. `goblet_squat`), else null. */
  exerciseName: string | null;
  reps: number | null;
  weightKg: number | null;
}

/**
 * Per-sample streams, columnar. `t` is seconds since the activity start; every other channel has the
 * same length as `t` and holds null where the device recorded nothing for that sample.
 */
export interface SampleStreams {
  t: number[];
  distanceM: (number | null)[];
  speedMps: (number | null)[];
  heartRate: (number | null)[];
  cadence: (number | null)[];
  altitudeM: (number | null)[];
  powerW: (number | null)[];
}

/**
 * The channels analysis reads (time, distance, speed, heart rate): the first four of the stored
 * blob, so reading them stops early and skips cadence, altitude and power (docs/storage.md).
 */
export type AnalysisStreams = Pick<SampleStreams, 't' | 'distanceM' | 'speedMps' | 'heartRate'>;

/**
 * Sample streams already packed for storage (`packStreams`, src/domain/streams-codec.ts): the decode
 * thread packs them and hands over the bytes, so the server's thread neither copies millions of
 * numbers out of the thread nor packs them (docs/fit-import.md, "Large files").
 */
export interface PackedStreams {
  /** The blob as `encodeStreams` writes it (codec STREAMS_CODEC). */
  packed: Uint8Array;
  sampleCount: number;
}

/** An activity as it is stored: its streams as arrays, or packed already. */
export type ActivityToStore = Omit<NormalizedActivity, 'streams'> & { streams: SampleStreams | PackedStreams | null };

/** An activity as analysis reads it: the stored summary fields, laps and the analysis streams. */
export interface AnalysisActivity {
  id: string;
  category: ActivityCategory;
  sport: string;
  /** Local calendar date in the athlete's zone (YYYY-MM-DD). */
  localDate: string;
  startTime: Date;
  elapsedS: number;
  movingS: number | null;
  distanceM: number | null;
  avgHr: number | null;
  maxHr: number | null;
  laps: Lap[];
  streams: AnalysisStreams | null;
  /** Session RPE (1–10) when the athlete gave one. */
  rpe: number | null;
}

export const STREAM_CHANNELS = ['distanceM', 'speedMps', 'heartRate', 'cadence', 'altitudeM', 'powerW'] as const;
export type StreamChannel = (typeof STREAM_CHANNELS)[number];

export interface NormalizedActivity {
  source: ActivitySource;
  /** Stable id within the source: Strava's activity id, or for FIT `<file identity>-<session index>`. */
  sourceId: string;
  /** Sport as the source names it, lower snake case (`running`, `training`, `cycling`, …). */
  sport: string;
  subSport: string | null;
  category: ActivityCategory;
  name: string | null;
  startTime: Date;
  elapsedS: number;
  movingS: number | null;
  distanceM: number | null;
  ascentM: number | null;
  avgHr: number | null;
  maxHr: number | null;
  calories: number | null;
  device: string | null;
  laps: Lap[];
  sets: StrengthSet[];
  streams: SampleStreams | null;
}

const RUN_SPORTS = new Set(['running', 'trail_running', 'treadmill_running', 'run', 'trailrun', 'virtualrun']);
const STRENGTH_SUB_SPORTS = new Set(['strength_training', 'cardio_training', 'hiit']);
const STRENGTH_SPORTS = new Set(['weighttraining', 'workout', 'crossfit', 'hiit', 'strength_training']);

/** Maps a source sport / sub-sport pair onto Kinetic's coarse category. */
export function categorize(sport: string, subSport: string | null): ActivityCategory {
  const s = sport.toLowerCase();
  if (RUN_SPORTS.has(s)) return 'run';
  if (STRENGTH_SPORTS.has(s)) return 'strength';
  if (s === 'training' && subSport !== null && STRENGTH_SUB_SPORTS.has(subSport.toLowerCase())) return 'strength';
  return 'other';
}
