import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleStreams } from './activity.ts';
import { decodeStreams, encodeStreams, StreamsDecodeError } from './streams-codec.ts';

const empty = (n: number): (number | null)[] => new Array<number | null>(n).fill(null);

describe('streams codec', () => {
  it('round-trips values at the stored resolution, keeping gaps as null', () => {
    const s: SampleStreams = {
      t: [0, 1, 2, 5, 6],
      distanceM: [0, 2.95, 5.91, 14.77, 17.72],
      speedMps: [2.951, 2.96, null, 2.954, 2.95],
      heartRate: [120, 121, 125, null, 130],
      cadence: [84, 85, 85, 86, 86],
      altitudeM: [55.2, 55.4, 55.4, -3.1, 54.9],
      powerW: empty(5),
    };
    expect(decodeStreams(encodeStreams(s))).toEqual(s);
  });

  it('handles an empty stream', () => {
    const s: SampleStreams = { t: [], distanceM: [], speedMps: [], heartRate: [], cadence: [], altitudeM: [], powerW: [] };
    expect(decodeStreams(encodeStreams(s))).toEqual(s);
  });

  it('rejects channels of different lengths', () => {
    const s: SampleStreams = { t: [0, 1], distanceM: [0], speedMps: empty(2), heartRate: empty(2), cadence: empty(2), altitudeM: empty(2), powerW: empty(2) };
    expect(() => encodeStreams(s)).toThrow(/distanceM has 1 samples, t has 2/);
  });

  it('reports a truncated blob instead of returning garbage', () => {
    const blob = encodeStreams({ t: [0, 1, 2], distanceM: [0, 3, 6], speedMps: empty(3), heartRate: [100, 101, 102], cadence: empty(3), altitudeM: empty(3), powerW: empty(3) });
    expect(() => decodeStreams(blob.subarray(0, blob.length - 2))).toThrow(StreamsDecodeError);
  });

  it('round-trips any quantised stream (property)', () => {
    const channel = (scale: number, max: number) =>
      fc.option(fc.integer({ min: -max, max }).map((v) => v / scale), { nil: null, freq: 5 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }).chain((n) =>
        fc.record({
          t: fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: n, maxLength: n }),
          distanceM: fc.array(channel(100, 50_000_000), { minLength: n, maxLength: n }),
          speedMps: fc.array(channel(1000, 30_000), { minLength: n, maxLength: n }),
          heartRate: fc.array(channel(1, 250), { minLength: n, maxLength: n }),
          cadence: fc.array(channel(1, 250), { minLength: n, maxLength: n }),
          altitudeM: fc.array(channel(10, 90_000), { minLength: n, maxLength: n }),
          powerW: fc.array(channel(1, 3000), { minLength: n, maxLength: n }),
        }),
      ), (s) => {
        expect(decodeStreams(encodeStreams(s))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });
});
