/**
 * decodeFit on the odd shapes real files come in (built with the SDK's Encoder in
 * test/support/fit-oddities.ts): each is imported as far as its data allows, with a warning in words,
 * or fails with a reason in words.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeFailure,
  chainedRunAndSwim,
  CHAINED_RUN_SERIAL,
  concat,
  courseFile,
  emptyActivityFile,
  fileThatBreaksTheSdkFirst,
  ODD_START,
  POOL_SWIM_SERIAL,
  poolSwimWithoutRecordTimes,
  poolSwimWithUntimedRecords,
  runWithoutElapsedTime,
  runWithUnanchoredHrMessages,
  SESSIONLESS_RECORDS,
  SESSIONLESS_SERIAL,
  sessionlessRide,
  settingsFile,
  shortRun,
  strengthWithUntimedSet,
  SUMMARY_SERIAL,
  triathlonSummaryThatBreaksTheSdk,
  workoutFile,
} from '../../../test/support/fit-oddities.ts';
import { decodeFit, type DecodedFit } from './decode.ts';

const START_S = Math.round(ODD_START.getTime() / 1000);
const at = (seconds: number): Date => new Date(ODD_START.getTime() + seconds * 1000);
/** The identity import.ts gives bytes: the first 16 hex digits of their SHA-256. */
const shaIdentity = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function only(decoded: DecodedFit): DecodedFit['activities'][number] {
  expect(decoded.activities).toHaveLength(1);
  const [activity] = decoded.activities;
  if (activity === undefined) throw new Error('no activity');
  return activity;
}

const reason = decodeFailure;

describe('records without a valid timestamp', () => {
  it('imports a pool swim whose records 3, 4 and 8 have no timestamp: 9 samples kept, a warning counts the 3 dropped', () => {
    const decoded = decodeFit(poolSwimWithUntimedRecords(), 'x');
    const swim = only(decoded);
    expect(decoded.warnings).toEqual([
      '3 of 12 records have no valid timestamp and were left out: they cannot be placed in time',
    ]);
    expect(swim).toMatchObject({
      sourceId: `${POOL_SWIM_SERIAL}-${START_S}-0`,
      sport: 'swimming',
      subSport: 'lap_swimming',
      startTime: ODD_START,
      elapsedS: 390,
      movingS: 360,
      distanceM: 275,
      avgHr: 125,
      maxHr: 131,
    });
    expect(swim.streams?.t).toEqual([0, 30, 60, 150, 180, 210, 270, 300, 330]);
    expect(swim.streams?.heartRate).toEqual([120, 121, 122, 125, 126, 127, 129, 130, 131]);
    expect(swim.streams?.distanceM).toEqual([0, 25, 50, 125, 150, 175, 225, 250, 275]);
  });

  it('places laps without start_time: end − elapsed, else after the lap before', () => {
    const swim = only(decodeFit(poolSwimWithUntimedRecords(), 'x'));
    expect(swim.laps.map((l) => [l.startTime, l.elapsedS, l.movingS, l.distanceM, l.intensity])).toEqual([
      [at(0), 150, 150, 100, 'active'],
      [at(150), 180, 170, 175, 'active'],
      [at(330), 60, 40, 0, 'rest'],
    ]);
  });

  it('keeps session and laps when no record has a time (no samples, no crash)', () => {
    const decoded = decodeFit(poolSwimWithoutRecordTimes(), 'x');
    const swim = only(decoded);
    expect(swim).toMatchObject({ sport: 'swimming', elapsedS: 200, movingS: 190, distanceM: 200, streams: null });
    expect(swim.laps).toHaveLength(1);
    expect(decoded.warnings).toEqual(['5 of 5 records have no valid timestamp and were left out: they cannot be placed in time']);
  });

  it('orders a strength set without start_time after the set before it', () => {
    const s = only(decodeFit(strengthWithUntimedSet(), 'x'));
    expect(s.sets.map((x) => [x.index, x.setType, x.startTime, x.durationS, x.reps])).toEqual([
      [0, 'active', at(0), 40, 10],
      [1, 'rest', null, 60, null],
      [2, 'active', at(100), 45, 8],
    ]);
  });
});

describe('chained FIT files', () => {
  it('decodes each chained file on its own: a run and a swim, each with its own identity', () => {
    const { bytes, parts } = chainedRunAndSwim();
    const decoded = decodeFit(bytes, shaIdentity(bytes));
    expect(decoded.activities.map((a) => [a.sport, a.sourceId, a.distanceM, a.elapsedS])).toEqual([
      ['running', `${CHAINED_RUN_SERIAL}-${START_S}-0`, 300, 60],
      // The swim's file_id has no serial number: its identity is its own bytes' hash, not the chain's.
      ['swimming', `${shaIdentity(parts[1] ?? new Uint8Array())}-0`, 275, 390],
    ]);
    expect(decoded.activities[0]?.streams?.t).toHaveLength(61);
    expect(decoded.activities[1]?.streams?.t).toHaveLength(9);
    expect(decoded.warnings).toEqual([
      'part 2 of 2 chained FIT files: 3 of 12 records have no valid timestamp and were left out: they cannot be placed in time',
    ]);
  });

  it('gives each part imported alone the source ids it has inside the chain', () => {
    const { bytes, parts } = chainedRunAndSwim();
    const inChain = decodeFit(bytes, shaIdentity(bytes)).activities.map((a) => a.sourceId);
    const alone = parts.flatMap((p) => decodeFit(p, shaIdentity(p)).activities.map((a) => a.sourceId));
    expect(alone).toEqual(inChain);
  });

  it('keeps the whole parts of a chain whose last file is cut short, with a warning', () => {
    const run = shortRun(5);
    const decoded = decodeFit(concat([run, shortRun(6, 3600).subarray(0, 100)]), 'x');
    expect(only(decoded).sourceId).toBe(`5-${START_S}-0`);
    expect(decoded.warnings).toEqual([
      `the chained FIT file starting at byte ${run.length} is cut short (the file ends at byte ${run.length + 100}, its header declares ${shortRun(6, 3600).length} bytes): it was skipped`,
    ]);
  });

  it('skips a chained part with a bad CRC and imports the others', () => {
    const corrupt = shortRun(6, 3600);
    corrupt[100] = (corrupt[100] ?? 0) ^ 0xff;
    const decoded = decodeFit(concat([shortRun(5), corrupt]), 'x');
    expect(only(decoded).sourceId).toBe(`5-${START_S}-0`);
    expect(decoded.warnings).toEqual(['part 2 of 2 chained FIT files: skipped: CRC mismatch: the file is corrupt']);
  });

  it('stores a file chained twice once', () => {
    const decoded = decodeFit(concat([shortRun(5), shortRun(5)]), 'x');
    expect(only(decoded).sourceId).toBe(`5-${START_S}-0`);
    expect(decoded.warnings).toEqual([
      'part 2 of 2 chained FIT files: skipped 1 activity already read from an earlier part (same watch and creation time)',
    ]);
  });

  it('ignores bytes after the FIT data that are not another FIT file', () => {
    const decoded = decodeFit(concat([shortRun(5), new Uint8Array([0, 0, 0])]), 'x');
    expect(only(decoded).distanceM).toBe(300);
    expect(decoded.warnings).toEqual(['the 3 bytes after the end of the FIT data were ignored']);
  });

  it('fails a chain without any activity, naming each part', () => {
    expect(reason(concat([workoutFile(), settingsFile()]))).toBe(
      'no part of the file holds an activity: part 1 of 2 chained FIT files: no session in file: a workout file, not an activity recording; ' +
        'part 2 of 2 chained FIT files: no session in file: a settings file, not an activity recording',
    );
  });
});

describe('sessions without total_elapsed_time', () => {
  it('takes the elapsed time from the session timestamp − start', () => {
    const run = only(decodeFit(runWithoutElapsedTime(true), 'x'));
    expect(run).toMatchObject({ elapsedS: 600, movingS: null, distanceM: 1800, startTime: ODD_START });
  });

  it('takes it from the last record when the session has no end either', () => {
    const decoded = decodeFit(runWithoutElapsedTime(false), 'x');
    expect(only(decoded)).toMatchObject({ elapsedS: 600, distanceM: 1800 });
    expect(decoded.warnings).toEqual([]);
  });
});

describe('activity files without a session message', () => {
  const last = SESSIONLESS_RECORDS - 1;
  const hr = Array.from({ length: SESSIONLESS_RECORDS }, (_, i) => 120 + (i % 30));
  const avgHr = Math.round(hr.reduce((a, b) => a + b, 0) / hr.length);

  it('rebuilds a 1,979-record ride from its records and laps, sport from the sport message', () => {
    const decoded = decodeFit(sessionlessRide(), 'x');
    const ride = only(decoded);
    expect(decoded.warnings).toEqual(['no session message: the activity was rebuilt from 1979 records and 2 laps']);
    expect(ride).toMatchObject({
      sourceId: `${SESSIONLESS_SERIAL}-${START_S}-0`,
      sport: 'cycling',
      subSport: 'road',
      category: 'other',
      startTime: ODD_START,
      elapsedS: last,
      movingS: 990 + (last - 1000),
      distanceM: last * 8,
      avgHr,
      maxHr: 149,
    });
    expect(ride.streams?.t).toHaveLength(SESSIONLESS_RECORDS);
    expect(ride.laps.map((l) => [l.startTime, l.elapsedS, l.distanceM])).toEqual([
      [at(0), 1000, 8000],
      [at(1000), last - 1000, (last - 1000) * 8],
    ]);
  });

  it('takes the sport from the laps when there is no sport message, else generic', () => {
    expect(only(decodeFit(sessionlessRide({ withSport: false, lapSport: 'cycling' }), 'x'))).toMatchObject({
      sport: 'cycling',
      subSport: null,
    });
    const decoded = decodeFit(sessionlessRide({ withSport: false, laps: false }), 'x');
    expect(only(decoded)).toMatchObject({ sport: 'generic', elapsedS: last, movingS: null, distanceM: last * 8, laps: [] });
    expect(decoded.warnings).toEqual(['no session message: the activity was rebuilt from 1979 records']);
  });

  it('fails files that are not activity recordings, naming their type', () => {
    expect(reason(workoutFile())).toBe('no session in file: a workout file, not an activity recording');
    expect(reason(settingsFile())).toBe('no session in file: a settings file, not an activity recording');
    // A course has timed records too, but it is a plan, not a recording.
    expect(reason(courseFile())).toBe('no session in file: a course file, not an activity recording');
  });

  it('fails an activity file with nothing recorded', () => {
    expect(reason(emptyActivityFile())).toBe('no session in file, and no records or laps with a time to rebuild an activity from');
  });
});

describe('files the SDK throws on', () => {
  it('keeps the sessions the SDK read before it failed, with a warning in words', () => {
    const decoded = decodeFit(triathlonSummaryThatBreaksTheSdk(), 'x');
    expect(decoded.activities.map((a) => [a.sport, a.sourceId, a.startTime, a.elapsedS, a.distanceM])).toEqual([
      ['swimming', `${SUMMARY_SERIAL}-${START_S}-0`, at(0), 1200, 1500],
      ['cycling', `${SUMMARY_SERIAL}-${START_S}-2`, at(1320), 3600, 40000],
      ['running', `${SUMMARY_SERIAL}-${START_S}-4`, at(5010), 2400, 10000],
    ]);
    expect(decoded.warnings).toEqual([
      "part of the file could not be read by the decoder: Garmin's FIT SDK failed on a message it could not interpret, after reading 6 messages; what was read before that was kept",
      "read 3 records with Kinetic's fallback decoder, which got further than the SDK",
    ]);
    // The records after the failure are read by Kinetic's own reader and land in the run.
    expect(decoded.activities[2]?.streams?.t).toEqual([90, 990, 1990]);
    expect(decoded.activities[2]).toMatchObject({ avgHr: 165, maxHr: 170 });
    expect(decoded.warnings.join(' ')).not.toMatch(/Cannot read|undefined/);
  });

  it('imports a file whose hr messages the SDK cannot merge, keeping the records\' own HR', () => {
    const decoded = decodeFit(runWithUnanchoredHrMessages(), 'x');
    expect(only(decoded)).toMatchObject({ sport: 'running', distanceM: 300, avgHr: 140 });
    expect(only(decoded).streams?.heartRate.every((h) => h === 140)).toBe(true);
    expect(decoded.warnings).toEqual([
      "the heart rate of the strap's hr messages could not be merged into the records (their times are incomplete): the records keep the heart rate the watch wrote",
    ]);
  });

  it('fails in words when the SDK failed before anything usable', () => {
    expect(reason(fileThatBreaksTheSdkFirst())).toBe(
      "decode error: Garmin's FIT SDK failed on a message it could not interpret, after reading 1 message",
    );
  });
});
