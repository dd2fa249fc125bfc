/**
 * FIT bytes → normalized activities. The only module that knows FIT messages.
 *
 * Steps: check the header and both CRCs (a corrupt or truncated file fails with the reason), decode
 * with Garmin's SDK, and map every session to one activity with its laps, strength sets and sample
 * streams. Records that the SDK cannot decode (compressed-timestamp headers, used by older watches)
 * are read by our own fallback decoder instead. GPS positions are dropped on purpose.
 */
import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import type { FileIdMesg, LapMesg, RecordMesg, SessionMesg, SetMesg } from '@garmin/fitsdk';
import {
  categorize,
  type Lap,
  type NormalizedActivity,
  type SampleStreams,
  type StrengthSet,
} from '../../domain/activity.ts';
import { FitDecodeError } from './errors.ts';
import { decodeRecordsFallback } from './fallback-records.ts';

const COMPRESSED_TIMESTAMP_ERROR = 'compressed timestamp';

/** Sessions that are not training in themselves (the pause between legs of a multisport event). */
const SKIPPED_SPORTS = new Set(['transition']);

export interface DecodedFit {
  activities: NormalizedActivity[];
  /** Notes about the decode a runner or operator may want to know (e.g. the fallback decoder was used). */
  warnings: string[];
}

/** A record reduced to what Kinetic keeps: no positions. */
interface Sample {
  timestamp: Date;
  distanceM: number | null;
  speedMps: number | null;
  heartRate: number | null;
  cadence: number | null;
  altitudeM: number | null;
  powerW: number | null;
}

/** Decodes FIT bytes: `decodeFit` in this thread, or a `DecodePool` on a worker thread. */
export type FitDecoder = (bytes: Uint8Array, identity: string) => DecodedFit | Promise<DecodedFit>;

export function decodeFit(bytes: Uint8Array, fileIdentity: string): DecodedFit {
  checkFile(bytes);
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read();
  const warnings: string[] = [];
  let samples: Sample[] = (messages.recordMesgs ?? []).map(fromRecordMesg);
  for (const err of errors) {
    if (err.message.includes(COMPRESSED_TIMESTAMP_ERROR)) {
      // The fallback's records have exactly the Sample shape (no positions either).
      samples = decodeRecordsFallback(bytes);
      warnings.push(`records use compressed timestamps: read ${samples.length} records with Kinetic's fallback decoder`);
    } else {
      throw new FitDecodeError(`decode error: ${stripPrefix(err.message)}`);
    }
  }
  const sessions = (messages.sessionMesgs ?? []).filter((s) => dt(s.startTime) !== undefined);
  if (sessions.length === 0) throw new FitDecodeError('no session in file: not an activity recording');

  const fileId = messages.fileIdMesgs?.[0];
  const device = deviceName(fileId);
  const identity = fileIdentityOf(fileId, fileIdentity);
  const ordered = sessions
    .map((s, i) => ({ s, i, end: sessionEnd(s) }))
    .sort((a, b) => a.end.getTime() - b.end.getTime());

  const laps = messages.lapMesgs ?? [];
  const sets = messages.setMesgs ?? [];
  const activities: NormalizedActivity[] = [];
  ordered.forEach(({ s, i, end }, k) => {
    const prevEnd = k === 0 ? null : ordered[k - 1]!.end;
    // Messages belong to the session whose end is the first at or after their time; a lone session owns all.
    const inSession = (t: Date | undefined): boolean =>
      ordered.length === 1 ||
      (t !== undefined && (prevEnd === null || t > prevEnd) && (k === ordered.length - 1 || t <= end));
    const sport = snake(String(s.sport ?? 'generic'));
    if (SKIPPED_SPORTS.has(sport)) return;
    const sessionLaps = laps.filter((l) => inSession(dt(l.timestamp ?? l.startTime)));
    const sessionSamples = samples.filter((r) => inSession(r.timestamp));
    const sessionSets = sets.filter((st) => inSession(dt(st.startTime ?? st.timestamp)));
    activities.push(
      toActivity(s, `${identity}-${i}`, device, sessionLaps, sessionSamples, sessionSets),
    );
  });
  if (activities.length === 0) throw new FitDecodeError('no training session in file (only transitions)');
  if (activities.some((a) => a.startTime < DEVICE_TIME_LIMIT)) {
    warnings.push("the watch's clock was not set: times count from when it was switched on, so the date is not real");
  }
  activities.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return { activities, warnings };
}

/** Header, size and CRC checks, with a reason a runner can act on. */
function checkFile(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new FitDecodeError('empty file');
  const stream = Stream.fromByteArray(bytes);
  if (!Decoder.isFIT(stream)) throw new FitDecodeError('not a FIT file (no ".FIT" header)');
  const headerSize = bytes[0]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataSize = view.getUint32(4, true);
  const expected = headerSize + dataSize + 2;
  if (bytes.length < expected) {
    throw new FitDecodeError(`truncated at byte ${bytes.length} (the header declares ${expected} bytes)`);
  }
  if (!new Decoder(Stream.fromByteArray(bytes)).checkIntegrity()) {
    throw new FitDecodeError('CRC mismatch: the file is corrupt');
  }
}

function stripPrefix(message: string): string {
  return message.replace(/^FIT Runtime Error\s*/, '');
}

function sessionEnd(s: SessionMesg): Date {
  const start = dt(s.startTime)!;
  const end = dt(s.timestamp);
  if (end !== undefined && end > start) return end;
  return new Date(start.getTime() + (s.totalElapsedTime ?? 0) * 1000);
}

/** Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z). */
const FIT_EPOCH_S = 631065600;
/** FIT timestamps below 0x10000000 are seconds since the device was switched on, not UTC (FIT spec). */
const DEVICE_TIME_LIMIT = new Date((0x10000000 + FIT_EPOCH_S) * 1000);

/**
 * The SDK gives Dates by default, FIT epoch seconds when asked not to convert, and the profile's
 * named value ('min') for the lowest valid time: accept the first two, treat the rest as absent.
 */
function dt(v: Date | number | string | undefined | null): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date((v + FIT_EPOCH_S) * 1000);
  return undefined;
}

/** The identity of the recording, stable across re-exports of the same file: serial number + creation time. */
function fileIdentityOf(fileId: FileIdMesg | undefined, fallback: string): string {
  const created = dt(fileId?.timeCreated);
  if (fileId?.serialNumber !== undefined && created !== undefined) {
    return `${fileId.serialNumber}-${Math.round(created.getTime() / 1000)}`;
  }
  return fallback;
}

function deviceName(fileId: FileIdMesg | undefined): string | null {
  if (fileId === undefined) return null;
  const product = fileId.garminProduct ?? fileId.productName ?? fileId.product;
  const manufacturer = fileId.manufacturer;
  const parts = [manufacturer, product].filter((p) => p !== undefined && p !== null).map(String);
  return parts.length > 0 ? parts.join(' ') : null;
}

/** `strengthTraining` → `strength_training`: one naming style for every source. */
export function snake(value: string): string {
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function num(v: number | undefined | null): number | null {
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

function fromRecordMesg(r: RecordMesg): Sample {
  return {
    timestamp: dt(r.timestamp)!,
    distanceM: num(r.distance),
    speedMps: num(r.enhancedSpeed ?? r.speed),
    heartRate: num(r.heartRate),
    cadence: num(r.cadence),
    altitudeM: num(r.enhancedAltitude ?? r.altitude),
    powerW: num(r.power),
  };
}

function toActivity(
  s: SessionMesg,
  sourceId: string,
  device: string | null,
  laps: LapMesg[],
  samples: Sample[],
  sets: SetMesg[],
): NormalizedActivity {
  const sport = snake(String(s.sport ?? 'generic'));
  const subSport = s.subSport === undefined || s.subSport === 'generic' ? null : snake(String(s.subSport));
  const startTime = dt(s.startTime)!;
  const streams = toStreams(samples, startTime);
  const hr = streams === null ? [] : streams.heartRate.filter((h): h is number => h !== null && h > 0);
  return {
    source: 'fit',
    sourceId,
    sport,
    subSport,
    category: categorize(sport, subSport),
    name: null,
    startTime,
    elapsedS: s.totalElapsedTime ?? 0,
    movingS: num(s.totalTimerTime),
    distanceM: sport === 'training' && (s.totalDistance ?? 0) === 0 ? null : num(s.totalDistance),
    ascentM: num(s.totalAscent),
    // Some devices (e.g. fenix2) leave the session's HR empty while every record has it.
    avgHr: num(s.avgHeartRate) ?? (hr.length > 0 ? Math.round(hr.reduce((a, b) => a + b, 0) / hr.length) : null),
    maxHr: num(s.maxHeartRate) ?? (hr.length > 0 ? Math.max(...hr) : null),
    calories: num(s.totalCalories),
    device,
    laps: laps.map(toLap),
    sets: toSets(sets),
    streams,
  };
}

function toLap(l: LapMesg, index: number): Lap {
  return {
    index,
    startTime: dt(l.startTime ?? l.timestamp)!,
    elapsedS: l.totalElapsedTime ?? 0,
    movingS: num(l.totalTimerTime),
    distanceM: num(l.totalDistance),
    avgHr: num(l.avgHeartRate),
    maxHr: num(l.maxHeartRate),
    avgSpeedMps: num(l.enhancedAvgSpeed ?? l.avgSpeed),
    intensity: l.intensity === undefined ? null : snake(String(l.intensity)),
  };
}

/** Real watches stamp every set with the session start: order by start time, then message index. */
function toSets(sets: SetMesg[]): StrengthSet[] {
  return [...sets]
    .sort(
      (a, b) =>
        (dt(a.startTime)?.getTime() ?? 0) - (dt(b.startTime)?.getTime() ?? 0) ||
        Number(a.messageIndex ?? 0) - Number(b.messageIndex ?? 0),
    )
    .map((st, index) => {
      const category = st.category?.[0];
      const categoryName = category === undefined || category === null ? null : snake(String(category));
      return {
        index,
        setType: st.setType === 'rest' ? 'rest' : 'active',
        startTime: dt(st.startTime) ?? null,
        durationS: num(st.duration),
        category: st.setType === 'rest' ? null : categoryName,
        exerciseName: st.setType === 'rest' ? null : exerciseName(category, st.categorySubtype?.[0]),
        reps: st.setType === 'rest' ? null : num(st.repetitions),
        weightKg: st.setType === 'rest' ? null : num(st.weight),
      } satisfies StrengthSet;
    });
}

/** Looks the exercise up in the FIT profile (`squat` + 0 → `leg_press`); null when unknown. */
function exerciseName(category: unknown, subtype: number | null | undefined): string | null {
  if (typeof category !== 'string' || category === 'unknown' || subtype === undefined || subtype === null) return null;
  const table = (Profile.types as Record<string, Record<number, string> | undefined>)[`${category}ExerciseName`];
  const name = table?.[subtype];
  return name === undefined ? null : snake(name);
}

function toStreams(samples: Sample[], start: Date): SampleStreams | null {
  if (samples.length === 0) return null;
  const ordered = [...samples].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const t0 = start.getTime();
  return {
    t: ordered.map((r) => Math.round((r.timestamp.getTime() - t0) / 1000)),
    distanceM: ordered.map((r) => r.distanceM),
    speedMps: ordered.map((r) => r.speedMps),
    heartRate: ordered.map((r) => r.heartRate),
    cadence: ordered.map((r) => r.cadence),
    altitudeM: ordered.map((r) => r.altitudeM),
    powerW: ordered.map((r) => r.powerW),
  };
}
