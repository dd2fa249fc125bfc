/**
 * FIT bytes → normalized activities. The only module that knows FIT messages.
 *
 * Steps: split the bytes into their FIT files (a file may hold several, "chained"), check each one's
 * header and both CRCs (a corrupt or truncated file fails with the reason), decode it with Garmin's
 * SDK, and map every session to one activity with its laps, strength sets and sample streams. Records
 * that the SDK cannot decode (compressed-timestamp headers, used by older watches) are read by our own
 * fallback decoder instead. GPS positions are dropped on purpose.
 *
 * Real files are messier than the FIT profile: records without a timestamp, laps without a start,
 * activities without a session message, sessions without an elapsed time, and files on which the SDK
 * itself throws halfway. Each is imported as far as the data allows, with a warning that says what was
 * left out or rebuilt; a file with nothing to import fails with a reason in words. `decodeFit` throws
 * nothing but `FitDecodeError`, whatever the bytes.
 */
import { createHash } from 'node:crypto';
import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import type { FileIdMesg, FitMessages, LapMesg, RecordMesg, SessionMesg, SetMesg } from '@garmin/fitsdk';
import {
  categorize,
  type Lap,
  type NormalizedActivity,
  type PackedStreams,
  type SampleStreams,
  type StrengthSet,
} from '../../domain/activity.ts';
import { packStreams } from '../../domain/streams-codec.ts';
import { describeSdkError, FitDecodeError, hrMergeFailure, isCompressedTimestampError, messageOf, plural } from './errors.ts';
import { decodeRecordsFallback } from './fallback-records.ts';

/** Sessions that are not training in themselves (the pause between legs of a multisport event). */
const SKIPPED_SPORTS = new Set(['transition']);

/**
 * Laps and strength sets one activity keeps, at most. Real recordings have a few hundred at most (a
 * lap per kilometre of a 24-hour race); thousands come from a damaged file that repeats a message.
 * It also keeps each activity's laps and sets within one INSERT of the embedded database, which takes
 * at most 32,767 values per statement (10 per lap, 9 per set) and breaks beyond (found by the fuzz
 * test, docs/fit-import.md "Fuzzing").
 */
const MAX_LAPS_PER_ACTIVITY = 2000;
const MAX_SETS_PER_ACTIVITY = 2000;

/**
 * Activities one file may hold. A multisport recording has a few legs (a swimrun a few dozen); a file
 * with thousands of sessions is damaged (a record definition turned into a session's), and storing
 * them would take minutes and overflow the embedded database's statement (found by the fuzz test):
 * such a file fails with the reason instead.
 */
const MAX_ACTIVITIES_PER_FILE = 200;

function tooManySessions(n: number): FitDecodeError {
  return new FitDecodeError(`the file holds ${n} sessions: no recording has that many (Kinetic reads at most ${MAX_ACTIVITIES_PER_FILE} per file), so it is taken as damaged`);
}

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

/**
 * A DecodedFit whose streams are packed for storage (`packDecoded`): what the decode thread hands the
 * server's thread for a job to store (DecodePool's `decodePacked`).
 */
export interface PackedDecodedFit {
  activities: (Omit<NormalizedActivity, 'streams'> & { streams: PackedStreams | null })[];
  warnings: string[];
}

/** `decoded` with each activity's streams packed (`packStreams`). */
export function packDecoded(decoded: DecodedFit): PackedDecodedFit {
  return {
    activities: decoded.activities.map((a) => ({ ...a, streams: a.streams === null ? null : packStreams(a.streams) })),
    warnings: decoded.warnings,
  };
}

/**
 * Decodes FIT bytes: `decodeFit` in this thread, or a `DecodePool` on a worker thread (whose
 * `decodePacked` gives the streams packed already).
 */
export type FitDecoder = (bytes: Uint8Array, identity: string) => DecodedFit | PackedDecodedFit | Promise<DecodedFit | PackedDecodedFit>;

/**
 * Decodes every FIT file in `bytes` (one, or several chained) into activities. `fileIdentity` names
 * the recording when its file_id has no serial number or creation time; callers pass the first 16 hex
 * digits of the bytes' SHA-256 (import.ts), which is what each chained part gets from its own bytes.
 */
export function decodeFit(bytes: Uint8Array, fileIdentity: string): DecodedFit {
  try {
    return decodeChain(bytes, fileIdentity);
  } catch (err) {
    // Last resort: every expected failure is already a FitDecodeError with its reason.
    if (err instanceof FitDecodeError) throw err;
    throw new FitDecodeError(`could not read the file: ${messageOf(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Chained files

const FIT_SIGNATURE = '.FIT';
const HEADER_SIZES = new Set([12, 14]);
/** Bytes of the header read before its optional CRC: size, protocol, profile, data size, ".FIT". */
const HEADER_FIXED_SIZE = 12;
const CRC_SIZE = 2;

interface Split {
  /** Each FIT file within the bytes: header, data and CRC. */
  parts: Uint8Array[];
  /** What was ignored after the last whole part (a cut-short chained file, padding). */
  notes: string[];
}

/** The header's size and declared data size at `offset`, or null when no FIT header starts there. */
function readHeader(bytes: Uint8Array, offset: number): { headerSize: number; dataSize: number } | null {
  const headerSize = bytes[offset];
  if (headerSize === undefined || !HEADER_SIZES.has(headerSize) || offset + HEADER_FIXED_SIZE > bytes.length) return null;
  const signature = String.fromCharCode(...bytes.subarray(offset + 8, offset + HEADER_FIXED_SIZE));
  if (signature !== FIT_SIGNATURE) return null;
  const dataSize = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_FIXED_SIZE).getUint32(4, true);
  return { headerSize, dataSize };
}

/**
 * Splits the bytes into FIT files by each header's declared size (header + data + CRC), as the FIT
 * protocol chains them. The first file must be whole (its problem is the file's reason); what follows
 * the last whole file and is not one is reported and ignored.
 */
function splitChain(bytes: Uint8Array): Split {
  if (bytes.length === 0) throw new FitDecodeError('empty file');
  const parts: Uint8Array[] = [];
  const notes: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const header = readHeader(bytes, offset);
    if (header === null) {
      if (offset === 0) throw new FitDecodeError('not a FIT file (no ".FIT" header)');
      notes.push(`the ${bytes.length - offset} bytes after the end of the FIT data were ignored`);
      break;
    }
    const end = offset + header.headerSize + header.dataSize + CRC_SIZE;
    if (end > bytes.length) {
      if (offset === 0) throw new FitDecodeError(`truncated at byte ${bytes.length} (the header declares ${end} bytes)`);
      notes.push(
        `the chained FIT file starting at byte ${offset} is cut short (the file ends at byte ${bytes.length}, its header declares ${end - offset} bytes): it was skipped`,
      );
      break;
    }
    parts.push(bytes.subarray(offset, end));
    offset = end;
  }
  return { parts, notes };
}

/**
 * The identity a chained part falls back on: the one import.ts would give the part's bytes imported
 * alone (SHA-256, 16 hex digits), so a part imported later on its own is recognised as a duplicate.
 */
function partFallbackIdentity(part: Uint8Array): string {
  return createHash('sha256').update(part).digest('hex').slice(0, 16);
}

type PartOutcome = { ok: DecodedFit } | { error: string };

function decodeChain(bytes: Uint8Array, fileIdentity: string): DecodedFit {
  const { parts, notes } = splitChain(bytes);
  const wholeFile = parts.length === 1 && notes.length === 0;
  const outcomes = parts.map((part): PartOutcome => {
    const identity = wholeFile ? fileIdentity : partFallbackIdentity(part);
    try {
      return { ok: decodePart(part, identity) };
    } catch (err) {
      if (err instanceof FitDecodeError) return { error: err.message };
      throw err;
    }
  });
  return combineParts(outcomes, notes);
}

/** The activities of every part that has some, with each part's warnings; fails only when none has. */
function combineParts(outcomes: PartOutcome[], notes: string[]): DecodedFit {
  const n = outcomes.length;
  const label = (k: number): string => (n === 1 ? '' : `part ${k + 1} of ${n} chained FIT files: `);
  const failures = outcomes.flatMap((o, k) => ('error' in o ? [`${label(k)}${o.error}`] : []));
  if (failures.length === n) {
    const first = outcomes[0];
    if (n === 1 && first !== undefined && 'error' in first) throw new FitDecodeError(first.error);
    throw new FitDecodeError(`no part of the file holds an activity: ${failures.join('; ')}`);
  }
  const warnings: string[] = [];
  const activities: NormalizedActivity[] = [];
  const seen = new Set<string>();
  outcomes.forEach((o, k) => {
    if ('error' in o) {
      warnings.push(`${label(k)}skipped: ${o.error}`);
      return;
    }
    warnings.push(...o.ok.warnings.map((w) => `${label(k)}${w}`));
    const repeated = o.ok.activities.filter((a) => seen.has(a.sourceId));
    if (repeated.length > 0) {
      warnings.push(`${label(k)}skipped ${plural(repeated.length, 'activity', 'activities')} already read from an earlier part (same watch and creation time)`);
    }
    for (const a of o.ok.activities) {
      if (seen.has(a.sourceId)) continue;
      seen.add(a.sourceId);
      activities.push(a);
    }
  });
  warnings.push(...notes);
  if (activities.some((a) => a.startTime < DEVICE_TIME_LIMIT)) {
    warnings.push("the watch's clock was not set: times count from when it was switched on, so the date is not real");
  }
  if (activities.length > MAX_ACTIVITIES_PER_FILE) throw tooManySessions(activities.length);
  activities.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return { activities, warnings };
}

// ---------------------------------------------------------------------------------------------
// One FIT file

/**
 * Runs one step of the mapping; an unexpected exception in it (a value of a type the profile does not
 * allow, say) becomes a FitDecodeError that names the step, so one odd message never escapes as a
 * TypeError.
 */
function step<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof FitDecodeError) throw err;
    throw new FitDecodeError(`could not map the ${what}: ${messageOf(err)}`);
  }
}

interface SdkRead {
  messages: FitMessages;
  errors: unknown[];
  /** Data messages the SDK returned before it stopped, to say where an error happened. */
  messageCount: number;
}

/** `Decoder.read()` catches its own exceptions and returns them in `errors`, with what it had read. */
function readWithSdk(part: Uint8Array): SdkRead {
  let messageCount = 0;
  const { messages, errors } = new Decoder(Stream.fromByteArray(part)).read({
    // Times as FIT seconds (numbers, read by `dt`) rather than Date objects: a record's message then
    // takes half the memory (~105 bytes instead of ~210; docs/fit-import.md, "Large files").
    convertDateTimesToDates: false,
    mesgListener: () => {
      messageCount += 1;
    },
  });
  return { messages, errors, messageCount };
}

/** The records of one part, and what the decode had to say about them. */
interface PartSamples {
  samples: Sample[];
  warnings: string[];
  /** The SDK stopped on an error it does not name as unsupported: said in words. */
  sdkTrouble: string | null;
}

function samplesOf(part: Uint8Array, read: SdkRead): PartSamples {
  const records = read.messages.recordMesgs ?? [];
  // Nothing reads the SDK's record messages after this: each is let go as soon as it is a sample, so
  // that the two are never all held at once (a 45 MB file holds 2.2 million records: ~470 MB of
  // messages, ~250 MB of samples; docs/fit-import.md, "Large files").
  delete read.messages.recordMesgs;
  const timed = step('record messages', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < records.length; i++) {
      const sample = toSample(records[i]!);
      if (sample !== null) samples.push(sample);
      (records as (RecordMesg | undefined)[])[i] = undefined;
    }
    return samples;
  });
  const warnings = read.errors.flatMap((e) => hrMergeFailure(e) ?? []);
  const failures = read.errors.filter((e) => hrMergeFailure(e) === null);
  const compressed = failures.some(isCompressedTimestampError);
  const other = failures.find((e) => !isCompressedTimestampError(e));
  const sdkTrouble = other === undefined ? null : describeSdkError(other, read.messageCount);
  if (compressed) {
    // The fallback's records have exactly the Sample shape (no positions either).
    const samples = decodeRecordsFallback(part);
    warnings.push(`records use compressed timestamps: read ${samples.length} records with Kinetic's fallback decoder`);
    return { samples, warnings, sdkTrouble };
  }
  if (sdkTrouble !== null) {
    // The SDK stopped before the end: our own record reader never throws and may get further.
    const fallback = decodeRecordsFallback(part);
    if (fallback.length > timed.length) {
      warnings.push(`read ${fallback.length} records with Kinetic's fallback decoder, which got further than the SDK`);
      return { samples: fallback, warnings, sdkTrouble };
    }
  }
  const untimed = records.length - timed.length;
  if (untimed > 0) {
    warnings.push(
      `${untimed} of ${records.length} records have no valid timestamp and were left out: they cannot be placed in time`,
    );
  }
  return { samples: timed, warnings, sdkTrouble };
}

function decodePart(part: Uint8Array, identity: string): DecodedFit {
  if (!new Decoder(Stream.fromByteArray(part)).checkIntegrity()) {
    throw new FitDecodeError('CRC mismatch: the file is corrupt');
  }
  const read = readWithSdk(part);
  const { samples, warnings, sdkTrouble } = samplesOf(part, read);
  const { messages } = read;
  const fileId = messages.fileIdMesgs?.[0];
  const { timed, untimed } = step('session messages', () => timeSessions(messages.sessionMesgs ?? []));
  if (timed.length > MAX_ACTIVITIES_PER_FILE) throw tooManySessions(timed.length);
  const laps = messages.lapMesgs ?? [];
  const usable = timed.length > 0 || samples.length > 0 || laps.some((l) => lapTime(l) !== undefined);
  if (sdkTrouble !== null) {
    if (!usable) throw new FitDecodeError(`decode error: ${sdkTrouble}`);
    warnings.unshift(`part of the file could not be read by the decoder: ${sdkTrouble}; what was read before that was kept`);
  }
  if (untimed > 0) warnings.push(`${plural(untimed, 'session message')} without a start time left out`);

  const device = deviceName(fileId);
  const sourceIdentity = fileIdentityOf(fileId, identity);
  const activities =
    timed.length > 0
      ? activitiesFromSessions(timed, messages, samples, sourceIdentity, device, warnings)
      : [rebuildWithoutSession(messages, samples, sourceIdentity, device, warnings)];
  return { activities, warnings };
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** A session placed in time: its start (recorded or derived) and its end when known. */
interface TimedSession {
  mesg: SessionMesg;
  /** Position among the file's timed sessions: part of the activity's source id. */
  index: number;
  start: Date;
  /** The session's end: its timestamp, or start + elapsed; undefined when neither is known. */
  end: Date | undefined;
}

/** A session's start is `start_time`, else its end (`timestamp`) minus its elapsed time. */
function timeSessions(sessions: SessionMesg[]): { timed: TimedSession[]; untimed: number } {
  const timed: TimedSession[] = [];
  for (const mesg of sessions) {
    const elapsed = positive(num(mesg.totalElapsedTime));
    const stamp = dt(mesg.timestamp);
    const start = dt(mesg.startTime) ?? minusSeconds(stamp, elapsed);
    if (start === undefined) continue;
    const end = stamp !== undefined && stamp > start ? stamp : elapsed === null ? undefined : plusSeconds(start, elapsed);
    timed.push({ mesg, index: timed.length, start, end });
  }
  return { timed, untimed: sessions.length - timed.length };
}

/** A session with an unknown end ends where the next one starts (the last one is open-ended). */
function withEnds(sessions: TimedSession[]): Array<TimedSession & { until: Date | null }> {
  return sessions.map((s) => {
    if (s.end !== undefined) return { ...s, until: s.end };
    const next = sessions.filter((o) => o.start > s.start).sort((a, b) => a.start.getTime() - b.start.getTime())[0];
    return { ...s, until: next === undefined ? null : new Date(next.start.getTime() - 1) };
  });
}

function activitiesFromSessions(
  sessions: TimedSession[],
  messages: FitMessages,
  samples: Sample[],
  identity: string,
  device: string | null,
  warnings: string[],
): NormalizedActivity[] {
  const ordered = withEnds(sessions).sort((a, b) => (a.until?.getTime() ?? Infinity) - (b.until?.getTime() ?? Infinity));
  const laps = messages.lapMesgs ?? [];
  const sets = messages.setMesgs ?? [];
  if (ordered.length > 1) warnUnplaceable(laps.map(lapTime), sets.map(setTime), warnings);
  const activities: NormalizedActivity[] = [];
  ordered.forEach(({ mesg, index, start, end, until }, k) => {
    const prevEnd = ordered[k - 1]?.until ?? null;
    const isLast = k === ordered.length - 1;
    // Messages belong to the session whose end is the first at or after their time; a lone session owns all.
    const inSession = (t: Date | undefined): boolean =>
      ordered.length === 1 ||
      (t !== undefined && (prevEnd === null || t > prevEnd) && (isLast || until === null || t <= until));
    const summary = step('session messages', () => summaryFromSession(mesg, start, end));
    if (SKIPPED_SPORTS.has(summary.sport)) return;
    activities.push(
      buildActivity(
        summary,
        `${identity}-${index}`,
        device,
        laps.filter((l) => inSession(lapTime(l))),
        samples.filter((r) => inSession(r.timestamp)),
        sets.filter((st) => inSession(setTime(st))),
        warnings,
      ),
    );
  });
  if (activities.length === 0) throw new FitDecodeError('no training session in file (only transitions)');
  return activities;
}

/** In a file of several sessions, a lap or set without any time belongs to none: say so. */
function warnUnplaceable(lapTimes: Array<Date | undefined>, setTimes: Array<Date | undefined>, warnings: string[]): void {
  const laps = lapTimes.filter((t) => t === undefined).length;
  const sets = setTimes.filter((t) => t === undefined).length;
  if (laps > 0) warnings.push(`${plural(laps, 'lap')} without a time left out: the file has several sessions and they cannot be placed`);
  if (sets > 0) warnings.push(`${plural(sets, 'set')} without a time left out: the file has several sessions and they cannot be placed`);
}

/** What an activity's summary is made of, whether a session message or the records gave it. */
type Summary = Pick<NormalizedActivity, 'sport' | 'subSport' | 'movingS' | 'distanceM' | 'ascentM' | 'avgHr' | 'maxHr' | 'calories'> & {
  start: Date;
  /** The recorded end (session timestamp), for the elapsed time when none is recorded. */
  end: Date | undefined;
  /** Null when the file does not say: the activity's elapsed time is then derived from timestamps. */
  elapsedS: number | null;
};

function summaryFromSession(s: SessionMesg, start: Date, end: Date | undefined): Summary {
  const sport = enumName(s.sport) ?? 'generic';
  return {
    sport,
    subSport: subSportName(s.subSport),
    start,
    end,
    elapsedS: positive(num(s.totalElapsedTime)),
    movingS: num(s.totalTimerTime),
    distanceM: sport === 'training' && (num(s.totalDistance) ?? 0) === 0 ? null : num(s.totalDistance),
    ascentM: num(s.totalAscent),
    avgHr: uint(s.avgHeartRate, UINT8_MAX),
    maxHr: uint(s.maxHeartRate, UINT8_MAX),
    calories: uint(s.totalCalories, UINT16_MAX),
  };
}

// ---------------------------------------------------------------------------------------------
// Activity files without a session message

/** File types that are recordings of an activity; anything else without a session is not one. */
const ACTIVITY_FILE_TYPES = new Set(['activity', 'activitySummary']);

/** How a runner would call each FIT file type, where the profile's name is not plain words. */
const FILE_TYPE_WORDS: Record<string, string> = {
  sport: 'sport settings',
  monitoringA: 'monitoring',
  monitoringB: 'monitoring',
  monitoringDaily: 'daily monitoring',
  exdConfiguration: 'data screen configuration',
  mfgRangeMin: 'manufacturer-specific',
  mfgRangeMax: 'manufacturer-specific',
};

/** "a workout file", "an activity summary file", "a file of type 37": from file_id.type. */
function fileTypeInWords(type: string | number): string {
  if (typeof type === 'number') return `a file of type ${type}`;
  const words = FILE_TYPE_WORDS[type] ?? type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words} file`;
}

/** file_id.type as the SDK names it (a number when the profile does not know it); null when absent or odd. */
function fileTypeOf(messages: FitMessages): string | number | null {
  const type: unknown = messages.fileIdMesgs?.[0]?.type;
  return typeof type === 'string' || (typeof type === 'number' && Number.isFinite(type)) ? type : null;
}

/**
 * An activity file whose session message is missing (the watch stopped before writing it, or the file
 * was cut and re-closed): the activity is rebuilt from its records and laps, as other FIT tools do.
 * Files of another type (settings, workout, course, monitoring) and files with nothing placed in time
 * fail with the reason.
 */
function rebuildWithoutSession(
  messages: FitMessages,
  samples: Sample[],
  identity: string,
  device: string | null,
  warnings: string[],
): NormalizedActivity {
  const type = fileTypeOf(messages);
  if (type !== null && !ACTIVITY_FILE_TYPES.has(String(type))) {
    throw new FitDecodeError(`no session in file: ${fileTypeInWords(type)}, not an activity recording`);
  }
  const laps = messages.lapMesgs ?? [];
  if (samples.length === 0 && !laps.some((l) => lapTime(l) !== undefined)) {
    throw new FitDecodeError('no session in file, and no records or laps with a time to rebuild an activity from');
  }
  const summary = step('records', () => summaryFromRecords(messages, samples, laps));
  warnings.push(
    `no session message: the activity was rebuilt from ${samples.length} records` +
      (laps.length > 0 ? ` and ${laps.length} laps` : ''),
  );
  return buildActivity(summary, `${identity}-0`, device, laps, samples, messages.setMesgs ?? [], warnings);
}

/**
 * The sport of a sessionless activity: the sport message, else a session message that could not be
 * placed in time, else the first lap that names one; `generic` when nothing does (file_id has no sport).
 */
function sportOf(messages: FitMessages, laps: LapMesg[]): { sport: string; subSport: string | null } {
  const sources: Array<{ sport?: unknown; subSport?: unknown }> = [
    ...(messages.sportMesgs ?? []),
    ...(messages.sessionMesgs ?? []),
    ...laps,
  ];
  const named = sources.find((m) => enumName(m.sport) !== null);
  return { sport: enumName(named?.sport) ?? 'generic', subSport: subSportName(named?.subSport) };
}

function summaryFromRecords(messages: FitMessages, samples: Sample[], laps: LapMesg[]): Summary {
  const ordered = [...samples].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const lapStarts = laps.flatMap((l) => dt(l.startTime) ?? []);
  const lapEnds = laps.flatMap((l) => dt(l.timestamp) ?? []);
  const times = [...ordered.map((s) => s.timestamp), ...lapStarts, ...lapEnds];
  const start = earliest(times);
  const end = latest(times);
  if (start === undefined) throw new FitDecodeError('no session in file, and no time in its records or laps');
  const { sport, subSport } = sportOf(messages, laps);
  const lastDistance = ordered.map((s) => s.distanceM).filter((d): d is number => d !== null).at(-1);
  return {
    sport,
    subSport,
    start,
    end,
    elapsedS: end === undefined ? null : positive((end.getTime() - start.getTime()) / 1000),
    movingS: sumIfAll(laps.map((l) => num(l.totalTimerTime))),
    distanceM: lastDistance ?? sumIfAll(laps.map((l) => num(l.totalDistance))),
    ascentM: sumIfAny(laps.map((l) => num(l.totalAscent))),
    avgHr: null,
    maxHr: null,
    calories: sumIfAny(laps.map((l) => uint(l.totalCalories, UINT16_MAX))),
  };
}

// ---------------------------------------------------------------------------------------------
// Activity

function buildActivity(
  summary: Summary,
  sourceId: string,
  device: string | null,
  laps: LapMesg[],
  samples: Sample[],
  sets: SetMesg[],
  warnings: string[],
): NormalizedActivity {
  const { sport, subSport, start } = summary;
  const streams = step('records', () => toStreams(samples, start));
  const hr = streams === null ? [] : streams.heartRate.filter((h): h is number => h !== null && h > 0);
  const mappedLaps = capped(step('lap messages', () => toLaps(laps, start)), MAX_LAPS_PER_ACTIVITY, `the ${sport} activity`, 'lap', warnings);
  const mappedSets = capped(step('set messages', () => toSets(sets)), MAX_SETS_PER_ACTIVITY, `the ${sport} activity`, 'set', warnings);
  const elapsedS = summary.elapsedS ?? elapsedFromTimes(summary, samples, mappedLaps);
  if (elapsedS === null) {
    warnings.push(`the ${sport} activity has no elapsed time, end time or timed records: its duration is stored as 0`);
  }
  return {
    source: 'fit',
    sourceId,
    sport,
    subSport,
    category: categorize(sport, subSport),
    name: null,
    startTime: start,
    elapsedS: elapsedS ?? 0,
    movingS: summary.movingS,
    distanceM: summary.distanceM,
    ascentM: summary.ascentM,
    // Some devices (e.g. fenix2) leave the session's HR empty while every record has it.
    avgHr: summary.avgHr ?? (hr.length > 0 ? Math.round(hr.reduce((a, b) => a + b, 0) / hr.length) : null),
    maxHr: summary.maxHr ?? (hr.length > 0 ? hr.reduce((a, b) => Math.max(a, b)) : null),
    calories: summary.calories,
    device,
    laps: mappedLaps,
    sets: mappedSets,
    streams,
  };
}

/**
 * Elapsed seconds when the session records none: its end (timestamp) − start, else the last record
 * (or lap end) − start, else the laps' elapsed times added up; null when nothing tells.
 */
function elapsedFromTimes(summary: Summary, samples: Sample[], laps: Lap[]): number | null {
  const startMs = summary.start.getTime();
  const fromEnd = summary.end === undefined ? null : positive((summary.end.getTime() - startMs) / 1000);
  if (fromEnd !== null) return fromEnd;
  const lastRecord = latest(samples.map((s) => s.timestamp));
  const lastLapEnd = latest(laps.map((l) => new Date(l.startTime.getTime() + l.elapsedS * 1000)));
  const last = latest([lastRecord, lastLapEnd].filter((d): d is Date => d !== undefined));
  const fromRecords = last === undefined ? null : positive((last.getTime() - startMs) / 1000);
  return fromRecords ?? positive(laps.reduce((sum, l) => sum + l.elapsedS, 0));
}

/** The first `max` laps or sets of an activity, with a warning when there were more. */
function capped<T>(items: T[], max: number, what: string, noun: string, warnings: string[]): T[] {
  if (items.length <= max) return items;
  warnings.push(`${what} has ${plural(items.length, noun)}, more than a real recording has: the first ${max} were kept (the file repeats messages)`);
  return items.slice(0, max);
}

/** A lap's time for placing it in a session: its end (timestamp), else its start. */
function lapTime(l: LapMesg): Date | undefined {
  return dt(l.timestamp) ?? dt(l.startTime);
}

function setTime(st: SetMesg): Date | undefined {
  return dt(st.startTime) ?? dt(st.timestamp);
}

/**
 * Laps in file order. A lap's start is `start_time`, else its end (timestamp) minus its elapsed time,
 * else the end of the lap before (laps follow each other), the session's start for the first.
 */
function toLaps(laps: LapMesg[], sessionStart: Date): Lap[] {
  const out: Lap[] = [];
  let previousEnd = sessionStart;
  laps.forEach((l, index) => {
    const recordedElapsed = num(l.totalElapsedTime);
    const end = dt(l.timestamp);
    const startTime = dt(l.startTime) ?? minusSeconds(end, recordedElapsed) ?? previousEnd;
    const elapsedS = recordedElapsed ?? (end === undefined ? null : positive((end.getTime() - startTime.getTime()) / 1000)) ?? 0;
    previousEnd = plusSeconds(startTime, elapsedS);
    out.push({
      index,
      startTime,
      elapsedS,
      movingS: num(l.totalTimerTime),
      distanceM: num(l.totalDistance),
      avgHr: uint(l.avgHeartRate, UINT8_MAX),
      maxHr: uint(l.maxHeartRate, UINT8_MAX),
      avgSpeedMps: num(l.enhancedAvgSpeed ?? l.avgSpeed),
      intensity: enumName(l.intensity),
    });
  });
  return out;
}

/**
 * Real watches stamp every set with the session start: order by start time, then message index. A set
 * without a start time keeps its place after the set before it in the file.
 */
function toSets(sets: SetMesg[]): StrengthSet[] {
  let lastKey = -Infinity;
  const keyed = sets.map((st, position) => {
    lastKey = dt(st.startTime)?.getTime() ?? lastKey;
    return { st, key: lastKey, position };
  });
  return keyed
    .sort((a, b) => a.key - b.key || (num(a.st.messageIndex) ?? a.position) - (num(b.st.messageIndex) ?? b.position) || a.position - b.position)
    .map(({ st }, index) => {
      const category = first(st.category);
      const categoryName = enumName(category);
      const rest = st.setType === 'rest';
      return {
        index,
        setType: rest ? 'rest' : 'active',
        startTime: dt(st.startTime) ?? null,
        durationS: num(st.duration),
        category: rest ? null : categoryName,
        exerciseName: rest ? null : exerciseName(category, num(first(st.categorySubtype))),
        reps: rest ? null : uint(st.repetitions, UINT16_MAX),
        weightKg: rest ? null : num(st.weight),
      } satisfies StrengthSet;
    });
}

/** Looks the exercise up in the FIT profile (`squat` + 0 → `leg_press`); null when unknown. */
function exerciseName(category: unknown, subtype: number | null): string | null {
  if (typeof category !== 'string' || category === 'unknown' || subtype === null) return null;
  const table = (Profile.types as Record<string, Record<number, string> | undefined>)[`${category}ExerciseName`];
  const name = table?.[subtype];
  return name === undefined ? null : snake(name);
}

function toStreams(samples: Sample[], start: Date): SampleStreams | null {
  if (samples.length === 0) return null;
  // Records come in time order: a copy is sorted only when they do not.
  const inOrder = samples.every((r, i) => i === 0 || r.timestamp.getTime() >= samples[i - 1]!.timestamp.getTime());
  const ordered = inOrder ? samples : [...samples].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const t0 = start.getTime();
  return {
    t: ordered.map((r) => Math.round((r.timestamp.getTime() - t0) / 1000)),
    distanceM: ordered.map((r) => r.distanceM),
    speedMps: ordered.map((r) => r.speedMps),
    heartRate: ordered.map((r) => uint(r.heartRate, UINT8_MAX)),
    cadence: ordered.map((r) => r.cadence),
    altitudeM: ordered.map((r) => r.altitudeM),
    powerW: ordered.map((r) => r.powerW),
  };
}

/** A record as a sample; null when it has no valid timestamp (it cannot be placed in time). */
function toSample(r: RecordMesg): Sample | null {
  const timestamp = dt(r.timestamp);
  if (timestamp === undefined) return null;
  return {
    timestamp,
    distanceM: num(r.distance),
    speedMps: num(r.enhancedSpeed ?? r.speed),
    heartRate: num(r.heartRate),
    cadence: num(r.cadence),
    altitudeM: num(r.enhancedAltitude ?? r.altitude),
    powerW: num(r.power),
  };
}

// ---------------------------------------------------------------------------------------------
// File identity and device

/** The identity of the recording, stable across re-exports of the same file: serial number + creation time. */
function fileIdentityOf(fileId: FileIdMesg | undefined, fallback: string): string {
  const created = dt(fileId?.timeCreated);
  const serial = num(fileId?.serialNumber);
  if (serial !== null && created !== undefined) {
    return `${serial}-${Math.round(created.getTime() / 1000)}`;
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

// ---------------------------------------------------------------------------------------------
// Values: the SDK's types promise more than damaged or unusual files keep

/** Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z). */
const FIT_EPOCH_S = 631065600;
/** FIT timestamps below 0x10000000 are seconds since the device was switched on, not UTC (FIT spec). */
const DEVICE_TIME_LIMIT = new Date((0x10000000 + FIT_EPOCH_S) * 1000);

/**
 * The SDK gives Dates by default, FIT epoch seconds when asked not to convert, and the profile's
 * named value ('min') for the lowest valid time: accept the first two when they are real instants,
 * treat the rest (an invalid Date from an array-valued field, say) as absent.
 */
function dt(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return new Date((v + FIT_EPOCH_S) * 1000);
  return undefined;
}

function plusSeconds(d: Date, seconds: number): Date {
  return new Date(d.getTime() + seconds * 1000);
}

function minusSeconds(d: Date | undefined, seconds: number | null): Date | undefined {
  return d === undefined || seconds === null ? undefined : plusSeconds(d, -seconds);
}

function earliest(dates: Date[]): Date | undefined {
  return dates.reduce<Date | undefined>((min, d) => (min === undefined || d < min ? d : min), undefined);
}

function latest(dates: Date[]): Date | undefined {
  return dates.reduce<Date | undefined>((max, d) => (max === undefined || d > max ? d : max), undefined);
}

/** `strengthTraining` → `strength_training`: one naming style for every source. */
export function snake(value: string): string {
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** An enum value in snake case; null when absent or not a name or number. */
function enumName(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return snake(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** `generic` sub-sport → none. */
function subSportName(v: unknown): string | null {
  const name = enumName(v);
  return name === 'generic' ? null : name;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Largest values of FIT's uint8 and uint16: the profile's type of heart rates, and of calories and repetitions. */
const UINT8_MAX = 0xff;
const UINT16_MAX = 0xffff;

/**
 * A value of a field the profile types as an unsigned integer up to `max`; absent when it is not one,
 * which only a damaged definition (the field given a wider, signed or floating-point base type) can
 * give — and which the database's integer columns refuse (found by the fuzz test).
 */
function uint(v: unknown, max: number): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 0 && n <= max ? n : null;
}

function positive(v: number | null): number | null {
  return v !== null && v > 0 ? v : null;
}

/** Array fields (set category, …) hold up to several values: the first one. */
function first(v: unknown): unknown {
  return Array.isArray(v) ? (v as unknown[])[0] : v;
}

function sumIfAll(values: Array<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

function sumIfAny(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((sum, v) => sum + v, 0);
}
