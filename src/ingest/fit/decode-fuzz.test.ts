/**
 * decodeFit on damaged bytes: whatever the input, it returns activities or throws FitDecodeError
 * (whose message is the reason stored with the upload), and it returns promptly.
 *
 * Most random damage is caught by the CRC check, so the mutations that matter re-close the file: they
 * damage the data and then write a correct data size and CRCs, as a buggy watch or tool would, so the
 * SDK and the mapping really see the damaged messages.
 */
import fc from 'fast-check';
import { CrcCalculator } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../test/support/fixtures.ts';
import {
  chainedRunAndSwim,
  poolSwimWithUntimedRecords,
  sessionlessRide,
  strengthWithUntimedSet,
  triathlonSummaryThatBreaksTheSdk,
  workoutFile,
} from '../../../test/support/fit-oddities.ts';
import { decodeFit } from './decode.ts';
import { FitDecodeError } from './errors.ts';
import { decodeRecordsFallback } from './fallback-records.ts';

/** Small real and odd files (the 1 MB multisport file would make each run slow without adding shapes). */
const SEEDS: Array<[string, Uint8Array]> = [
  ['fr110 run', fixture('run-garmin-fr110-hr.fit')],
  ['fr965 strength', fixture('strength-garmin-fr965-27sets.fit')],
  ['fr70 compressed timestamps', fixture('edge-compressed-timestamps-fr70-run.fit')],
  ['bad CRC', fixture('corrupt-bad-file-crc.fit')],
  ['pool swim', poolSwimWithUntimedRecords()],
  ['chained', chainedRunAndSwim().bytes],
  ['sessionless ride', sessionlessRide()],
  ['strength without set times', strengthWithUntimedSet()],
  ['triathlon summary', triathlonSummaryThatBreaksTheSdk()],
  ['workout', workoutFile()],
];

/** Per-run budget: the largest seed decodes in well under 100 ms. */
const RUNS = 300;
const SLOW_MS = 2000;

type Mutation =
  | { kind: 'flip'; positions: number[]; bits: number[]; reclose: boolean }
  | { kind: 'truncate'; at: number; reclose: boolean }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array; reclose: boolean }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

/**
 * Where in the file, as a fraction of its length: uniform (fast-check's doubles are uniform over their
 * bit patterns, so nearly all tiny, and its integers favour small values unless told not to).
 */
const fraction = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    positions: fc.array(fraction, { minLength: 1, maxLength: 8 }),
    bits: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 8 }),
    reclose: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction, reclose: fc.boolean() }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }), reclose: fc.boolean() }),
  fc.record({ kind: fc.constant('insert' as const), at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 64 }) }),
);

const headerSize = (bytes: Uint8Array): number => (bytes[0] === 12 ? 12 : 14);

/** Header + data of a well-formed file, without its trailing CRC. */
function body(bytes: Uint8Array): Uint8Array {
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  return bytes.slice(0, Math.min(bytes.length, headerSize(bytes) + size));
}

/** Writes the data size and both CRCs for `withoutCrc` (header + data): a well-formed file of damaged data. */
function reclose(withoutCrc: Uint8Array): Uint8Array {
  const h = headerSize(withoutCrc);
  if (withoutCrc.length < h) return withoutCrc;
  const out = new Uint8Array(withoutCrc.length + 2);
  out.set(withoutCrc);
  const view = new DataView(out.buffer);
  view.setUint32(4, withoutCrc.length - h, true);
  if (h === 14) view.setUint16(12, CrcCalculator.calculateCRC(out, 0, 12), true);
  view.setUint16(withoutCrc.length, CrcCalculator.calculateCRC(out, 0, withoutCrc.length), true);
  return out;
}

/** Mutations keep the header's first 12 bytes unless they are the point (truncate, delete, overwrite). */
function mutate(seed: Uint8Array, m: Mutation): Uint8Array {
  const data = m.kind === 'insert' || m.kind === 'delete' ? seed : body(seed);
  const index = (f: number): number => Math.floor(f * data.length);
  switch (m.kind) {
    case 'flip': {
      const out = data.slice();
      m.positions.forEach((p, i) => {
        const at = Math.max(headerSize(out), index(p));
        if (at < out.length) out[at] = (out[at] ?? 0) ^ (1 << (m.bits[i] ?? 0));
      });
      return m.reclose ? reclose(out) : out;
    }
    case 'truncate': {
      const out = data.slice(0, index(m.at));
      return m.reclose ? reclose(out) : out;
    }
    case 'overwrite': {
      const out = data.slice();
      out.set(m.bytes.subarray(0, Math.max(0, out.length - index(m.at))), index(m.at));
      return m.reclose ? reclose(out) : out;
    }
    case 'insert': {
      const at = index(m.at);
      return Uint8Array.from([...data.subarray(0, at), ...m.bytes, ...data.subarray(at)]);
    }
    case 'delete': {
      const at = index(m.at);
      return Uint8Array.from([...data.subarray(0, at), ...data.subarray(at + m.length)]);
    }
  }
}

/** What the import stores must be real values: the database rejects NaN dates and durations. */
function checkActivities(bytes: Uint8Array): void {
  const started = performance.now();
  try {
    const { activities, warnings } = decodeFit(bytes, 'fuzz');
    expect(activities.length).toBeGreaterThan(0);
    expect(warnings.every((w) => typeof w === 'string' && w !== '')).toBe(true);
    for (const a of activities) {
      expect(Number.isFinite(a.startTime.getTime())).toBe(true);
      expect(Number.isFinite(a.elapsedS) && a.elapsedS >= 0).toBe(true);
      expect(typeof a.sourceId).toBe('string');
      expect(typeof a.sport).toBe('string');
      for (const l of a.laps) expect(Number.isFinite(l.startTime.getTime()) && Number.isFinite(l.elapsedS)).toBe(true);
      if (a.streams !== null) expect(a.streams.t.every(Number.isFinite)).toBe(true);
    }
  } catch (err) {
    if (!(err instanceof FitDecodeError)) throw err;
    expect(err.message).not.toBe('');
    expect(err.message).not.toMatch(/^(TypeError|RangeError)|Cannot read properties/);
  }
  expect(performance.now() - started).toBeLessThan(SLOW_MS);
}

describe('decodeFit on damaged bytes', () => {
  it('returns activities or throws FitDecodeError for mutated fixtures (bit flips, truncation, overwrites, inserts, deletes)', () => {
    const seed = fc.constantFrom(...SEEDS.map(([, bytes]) => bytes));
    fc.assert(
      fc.property(seed, mutation, (bytes, m) => {
        checkActivities(mutate(bytes, m));
      }),
      { numRuns: RUNS * 4 },
    );
  }, 60_000);

  it('does the same for random bytes, with and without a valid header and CRCs', () => {
    const header = (size: number): Uint8Array => {
      const h = new Uint8Array(14);
      h.set([14, 0x20, 0, 0, 0, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54]);
      new DataView(h.buffer).setUint32(4, size, true);
      return h;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (random, framed) => {
        checkActivities(framed ? reclose(Uint8Array.from([...header(random.length), ...random])) : random);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);

  it('never throws from the fallback record reader either', () => {
    const seed = fc.constantFrom(...SEEDS.map(([, bytes]) => bytes));
    fc.assert(
      fc.property(seed, mutation, (bytes, m) => {
        expect(Array.isArray(decodeRecordsFallback(mutate(bytes, m)))).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);
});
