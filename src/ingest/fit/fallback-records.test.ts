import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CrcCalculator, Decoder, Stream } from '@garmin/fitsdk';
import { decodeRecordsFallback, type FallbackRecord } from './fallback-records.ts';

const FIT_EPOCH_S = Date.UTC(1989, 11, 31) / 1000;

function fixture(name: string): Uint8Array {
  return fs.readFileSync(new URL(`../../../test/fixtures/fit/${name}`, import.meta.url));
}

function sdkRead(bytes: Uint8Array): ReturnType<Decoder['read']> {
  return new Decoder(Stream.fromBuffer(bytes)).read();
}

function asDate(value: unknown): Date {
  if (!(value instanceof Date)) throw new Error(`expected a Date, got ${String(value)}`);
  return value;
}

function fitDate(seconds: number): Date {
  return new Date((FIT_EPOCH_S + seconds) * 1000);
}

// ---------------------------------------------------------------------------------------------
// Hand-built FIT files
// ---------------------------------------------------------------------------------------------

type FieldSpec = [num: number, size: number, baseType: number];

const UINT8 = 0x02;
const UINT16 = 0x84;
const UINT32 = 0x86;
const BYTE = 0x0d;

function u32(value: number, littleEndian = true): number[] {
  const bytes = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  return littleEndian ? bytes : bytes.reverse();
}

function u16(value: number, littleEndian = true): number[] {
  const bytes = [value & 0xff, (value >>> 8) & 0xff];
  return littleEndian ? bytes : bytes.reverse();
}

function definition(local: number, globalNum: number, fields: FieldSpec[], littleEndian = true): number[] {
  return [0x40 | local, 0, littleEndian ? 0 : 1, ...u16(globalNum, littleEndian), fields.length, ...fields.flat()];
}

function data(local: number, body: number[]): number[] {
  return [local, ...body];
}

function compressed(local: number, timeOffset: number, body: number[]): number[] {
  return [0x80 | (local << 5) | timeOffset, ...body];
}

/** 12-byte header, the records, then a correct file CRC. */
function fitFile(...records: number[][]): Uint8Array {
  const body = records.flat();
  const header = [12, 0x10, ...u16(2199), ...u32(body.length), ...Array.from('.FIT', (c) => c.charCodeAt(0))];
  const file = Uint8Array.from([...header, ...body]);
  const crc = CrcCalculator.calculateCRC(file, 0, file.length);
  return Uint8Array.from([...file, ...u16(crc)]);
}

/** FR70-style compressed_speed_distance: 12-bit speed (1/100 m/s), 12-bit rolling distance (1/16 m). */
function speedDistance(speed: number, distance: number): number[] {
  return [speed & 0xff, ((speed >> 8) & 0x0f) | ((distance & 0x0f) << 4), (distance >> 4) & 0xff];
}

const RECORD = 20;
const EVENT = 21;

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('decodeRecordsFallback on the FR70 compressed-timestamp fixture', () => {
  const bytes = fixture('edge-compressed-timestamps-fr70-run.fit');
  const records = decodeRecordsFallback(bytes);
  const sdk = sdkRead(bytes);
  const session = sdk.messages.sessionMesgs?.[0];

  it('is the case the SDK cannot decode', () => {
    expect(sdk.messages.recordMesgs ?? []).toHaveLength(0);
    expect(sdk.errors.map((e) => e.message).join()).toContain('compressed timestamp messages are not currently supported');
  });

  it('returns the records with non-decreasing timestamps', () => {
    expect(records.length).toBeGreaterThan(0);
    expect(records).toHaveLength(755);
    for (let i = 1; i < records.length; i++) {
      expect(records[i]!.timestamp.getTime()).toBeGreaterThanOrEqual(records[i - 1]!.timestamp.getTime());
    }
  });

  it('keeps the records inside the session and ends at the session distance', () => {
    expect(session).toBeDefined();
    const start = asDate(session?.startTime).getTime();
    const end = start + (session?.totalElapsedTime ?? Number.NaN) * 1000;
    const first = records[0]!;
    const last = records.at(-1)!;
    for (const record of [first, last]) {
      expect(record.timestamp.getTime()).toBeGreaterThanOrEqual(start);
      expect(record.timestamp.getTime()).toBeLessThanOrEqual(end);
    }
    const totalDistance = session?.totalDistance ?? Number.NaN;
    expect(totalDistance).toBeCloseTo(10248.67, 2);
    expect(Math.abs((last.distanceM ?? 0) - totalDistance) / totalDistance).toBeLessThan(0.01);
  });

  it('matches python-fitparse reference values (tests/files/compressed-speed-distance-records.csv)', () => {
    // The device clock was never set: raw timestamps are below 0x10000000 (device-relative seconds),
    // which the SDK and this decoder both place in 1990. Columns: FIT seconds, bpm, m/s, m, rpm.
    const expected: [number, number, number, number, number | null][] = [
      [17217869, 93, 3.54, 0, null],
      [17217874, 104, 3.55, 14.25, 88],
      [17218544, 117, 0, 1087.375, 0],
      [17218659, 108, 1.14, 1092.5, 24],
      [17220089, 180, 1.66, 4860.25, 61],
      [17221744, 118, 0, 10248.6875, 0],
    ];
    const byTime = new Map(records.map((r) => [r.timestamp.getTime(), r]));
    for (const [seconds, heartRate, speedMps, distanceM, cadence] of expected) {
      expect(byTime.get(fitDate(seconds).getTime())).toMatchObject({ heartRate, speedMps, distanceM, cadence });
    }
    // The first record is an empty one (zero-field definition) that only carries the start time.
    expect(records[0]).toEqual({
      timestamp: fitDate(17217864),
      heartRate: null,
      distanceM: null,
      speedMps: null,
      cadence: null,
      altitudeM: null,
      powerW: null,
    });
  });
});

describe('decodeRecordsFallback cross-checked against the Garmin SDK', () => {
  it.each(['run-garmin-fr110-hr.fit', 'run-garmin-fenix2-hr.fit'])('agrees with the SDK on %s', (name) => {
    const bytes = fixture(name);
    const ours = decodeRecordsFallback(bytes);
    const sdk = new Decoder(Stream.fromBuffer(bytes)).read({ mergeHeartRates: false }).messages.recordMesgs ?? [];
    expect(ours).toHaveLength(sdk.length);
    sdk.forEach((mesg, i) => {
      const record = ours[i]!;
      expect(record.timestamp).toEqual(asDate(mesg.timestamp));
      expect(record.heartRate).toBe(mesg.heartRate ?? null);
      expect(record.cadence).toBe(mesg.cadence ?? null);
      if (mesg.distance === undefined) expect(record.distanceM).toBeNull();
      else expect(record.distanceM).toBeCloseTo(mesg.distance, 2);
    });
  });

  it('returns the 590 records of run-garmin-fr110-hr.fit', () => {
    expect(decodeRecordsFallback(fixture('run-garmin-fr110-hr.fit'))).toHaveLength(590);
  });
});

describe('decodeRecordsFallback on hand-built files', () => {
  it('resolves compressed timestamps across 5-bit rollovers', () => {
    const t0 = 1_000_000_029; // low 5 bits = 29
    const tEvent = t0 + 100;
    const bytes = fitFile(
      definition(0, RECORD, [[253, 4, UINT32], [3, 1, UINT8]]),
      definition(1, RECORD, [[3, 1, UINT8]]),
      definition(2, EVENT, [[253, 4, UINT32], [0, 1, 0x00], [1, 1, 0x00]]),
      data(0, [...u32(t0), 100]),
      compressed(1, 31, [101]), // +2
      compressed(1, 3, [102]), // wraps past 31: +4
      compressed(1, 3, [103]), // same second
      compressed(1, 2, [104]), // full wrap: +31
      data(2, [...u32(tEvent), 0, 0]), // a non-record message resets the reference time
      compressed(1, (tEvent + 1) & 0x1f, [105]),
      data(0, [...u32(t0 + 500), 106]),
      compressed(1, (t0 + 500) & 0x1f, [107]), // same second as the full timestamp
    );
    expect(sdkRead(bytes).errors.map((e) => e.message).join()).toContain('compressed timestamp');

    const records = decodeRecordsFallback(bytes);
    const expected: [seconds: number, heartRate: number][] = [
      [t0, 100],
      [t0 + 2, 101],
      [t0 + 6, 102],
      [t0 + 6, 103],
      [t0 + 37, 104],
      [tEvent + 1, 105],
      [t0 + 500, 106],
      [t0 + 500, 107],
    ];
    expect(records.map((r) => [r.timestamp, r.heartRate])).toEqual(expected.map(([seconds, hr]) => [fitDate(seconds), hr]));
  });

  it('drops compressed records that come before any full timestamp', () => {
    const bytes = fitFile(
      definition(1, RECORD, [[3, 1, UINT8]]),
      compressed(1, 4, [90]),
      definition(0, RECORD, [[253, 4, UINT32], [3, 1, UINT8]]),
      data(0, [...u32(1_000_000_000), 91]),
      compressed(1, 5, [92]),
    );
    expect(decodeRecordsFallback(bytes).map((r) => r.heartRate)).toEqual([91, 92]);
  });

  it('accumulates the 12-bit compressed distance across rollovers', () => {
    const t0 = 1_000_000_000;
    const rolling = [4000, 4090, 50, 4000, 10]; // 1/16 m
    const bytes = fitFile(
      definition(0, RECORD, [[253, 4, UINT32]]),
      definition(1, RECORD, [[8, 3, BYTE], [3, 1, UINT8]]),
      data(0, [...u32(t0)]),
      ...rolling.map((d, i) => compressed(1, (t0 + i + 1) & 0x1f, [...speedDistance(250 + i, d), 150])),
      compressed(1, (t0 + 6) & 0x1f, [0xff, 0xff, 0xff, 150]), // invalid field: no speed or distance
    );
    const records = decodeRecordsFallback(bytes).slice(1);
    expect(records.map((r) => r.distanceM)).toEqual([4000 / 16, 4090 / 16, 4146 / 16, 8096 / 16, 8202 / 16, null]);
    expect(records.map((r) => r.speedMps)).toEqual([2.5, 2.51, 2.52, 2.53, 2.54, null]);
  });

  it('reads big-endian fields, takes the first array element, maps invalid values to null and prefers enhanced fields', () => {
    const t0 = 1_000_000_000;
    const bigEndian = false;
    const bytes = fitFile(
      definition(
        0,
        RECORD,
        [
          [253, 4, UINT32],
          [3, 2, UINT8], // heart rate as a 2-element array
          [7, 2, UINT16],
          [2, 2, UINT16],
          [78, 4, UINT32],
          [6, 2, UINT16],
          [73, 4, UINT32],
          [4, 1, UINT8],
          [5, 4, UINT32],
        ],
        bigEndian,
      ),
      data(0, [
        ...u32(t0, bigEndian),
        140,
        141,
        ...u16(250, bigEndian),
        ...u16(0xffff, bigEndian), // altitude invalid
        ...u32((100 + 500) * 5, bigEndian), // enhanced altitude 100 m
        ...u16(3000, bigEndian), // speed 3 m/s
        ...u32(3250, bigEndian), // enhanced speed 3.25 m/s wins
        0xff, // cadence invalid
        ...u32(123456, bigEndian), // 1234.56 m
      ]),
    );
    expect(decodeRecordsFallback(bytes)).toEqual<FallbackRecord[]>([
      {
        timestamp: fitDate(t0),
        heartRate: 140,
        distanceM: 1234.56,
        speedMps: 3.25,
        cadence: null,
        altitudeM: 100,
        powerW: 250,
      },
    ]);
  });

  it('skips developer fields', () => {
    const t0 = 1_000_000_000;
    const withDeveloperFields = [0x60, 0, 0, ...u16(RECORD), 2, 253, 4, UINT32, 3, 1, UINT8, 2, 0, 3, 0, 1, 2, 0];
    const bytes = fitFile(withDeveloperFields, data(0, [...u32(t0), 120, 9, 9, 9, 9, 9]), data(0, [...u32(t0 + 1), 121, 9, 9, 9, 9, 9]));
    expect(decodeRecordsFallback(bytes).map((r) => r.heartRate)).toEqual([120, 121]);
  });
});

describe('decodeRecordsFallback on damaged input', () => {
  it('returns what precedes the truncation of corrupt-truncated-eof.fit without throwing', () => {
    const bytes = fixture('corrupt-truncated-eof.fit');
    const sdkRecords = sdkRead(bytes).messages.recordMesgs ?? [];
    const records = decodeRecordsFallback(bytes);
    expect(records.map((r) => r.timestamp)).toEqual(sdkRecords.map((m) => asDate(m.timestamp)));
    expect(records).toHaveLength(14);
  });

  it('returns nothing for empty or non-FIT input', () => {
    expect(decodeRecordsFallback(new Uint8Array())).toEqual([]);
    expect(decodeRecordsFallback(Uint8Array.from([14, 1, 2, 3]))).toEqual([]);
    expect(decodeRecordsFallback(new TextEncoder().encode('not a fit file at all'))).toEqual([]);
  });

  it('ignores trailing bytes after the file CRC', () => {
    const bytes = fixture('run-garmin-fr110-hr.fit');
    const withJunk = Uint8Array.from([...bytes, 0x00, 0x41, 0xff, 0x03]);
    expect(decodeRecordsFallback(withJunk)).toEqual(decodeRecordsFallback(bytes));
  });

  it('yields a prefix of the full result for any truncation, never throwing', () => {
    const bytes = fixture('run-garmin-fr110-hr.fit');
    const full = decodeRecordsFallback(bytes);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (length) => {
        const partial = decodeRecordsFallback(bytes.subarray(0, length));
        expect(partial).toEqual(full.slice(0, partial.length));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (body) => {
        const bytes = fitFile(Array.from(body));
        expect(() => decodeRecordsFallback(bytes)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
