import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SampleStreams } from '../domain/activity.ts';
import type { Physiology } from './types.ts';
import {
  hrrZoneBounds,
  lthrZoneBounds,
  sampleDurations,
  segmentsFromStreams,
  timeInZones,
  timeInZonesOfStreams,
  timeWithHr,
  zoneBounds,
  zoneOf,
} from './zones.ts';

function streams(t: number[], heartRate: (number | null)[]): SampleStreams {
  const none = t.map(() => null);
  return { t, heartRate, distanceM: none, speedMps: none, cadence: none, altitudeM: none, powerW: none };
}

const physiology: Physiology = {
  sex: 'm',
  maxHr: { value: 190, source: 'given' },
  restingHr: { value: 50, source: 'given' },
  lthr: { value: 160, source: 'given' },
  thresholdSpeedMps: null,
};

describe('zone bounds', () => {
  it('Friel running zones: 85 / 90 / 95 / 100 % of LTHR', () => {
    // LTHR 160: 0.85·160 = 136, 0.90·160 = 144, 0.95·160 = 152, 1.00·160 = 160.
    const b = lthrZoneBounds(160);
    expect(b.model).toBe('friel_lthr');
    b.lowerBpm.forEach((v, i) => expect(v).toBeCloseTo([136, 144, 152, 160][i] ?? NaN, 9));
    expect(zoneBounds('friel_lthr', physiology)).toEqual(b);
  });

  it('Karvonen zones: resting + 60 / 70 / 80 / 90 % of the heart-rate reserve', () => {
    // max 190, resting 50 → reserve 140: 50 + 84 = 134, 50 + 98 = 148, 50 + 112 = 162, 50 + 126 = 176.
    const b = hrrZoneBounds(190, 50);
    expect(b.model).toBe('karvonen_hrr');
    b.lowerBpm.forEach((v, i) => expect(v).toBeCloseTo([134, 148, 162, 176][i] ?? NaN, 9));
    expect(zoneBounds('karvonen_hrr', physiology)).toEqual(b);
    expect(() => hrrZoneBounds(60, 60)).toThrow(RangeError);
  });

  it('a heart rate on a boundary belongs to the zone above', () => {
    const b = lthrZoneBounds(160);
    expect([100, 135, 136, 143, 144, 151, 152, 159, 160, 210].map((hr) => zoneOf(hr, b))).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
  });
});

describe('sample durations', () => {
  it('is the gap to the next sample, capped at 10 s; the last sample lasts 0 s', () => {
    // gaps: 1, 1, 3, 25 → 10 (pause), 1; last 0.
    expect(sampleDurations([0, 1, 2, 5, 30, 31])).toEqual([1, 1, 3, 10, 1, 0]);
    expect(sampleDurations([0, 60], 120)).toEqual([60, 0]);
    expect(sampleDurations([])).toEqual([]);
    expect(sampleDurations([5, 3, 4])).toEqual([0, 1, 0]); // time going backwards counts nothing
  });
});

describe('time in zones', () => {
  it('adds each sample duration to the zone of its heart rate (hand-computed)', () => {
    // LTHR 160 → bounds 136 / 144 / 152 / 160.
    // t:   0    1    2     5    30   31
    // dur: 1    1    3     10   1    0
    // HR:  130  150  null  165  140  0 (drop-out)
    // z:   1    3    —     5    2    —      → [1, 1, 1, 0, 10], 13 s with HR.
    const s = streams([0, 1, 2, 5, 30, 31], [130, 150, null, 165, 140, 0]);
    const b = lthrZoneBounds(160);
    expect(timeInZonesOfStreams(s, b)).toEqual([1, 1, 1, 0, 10]);
    expect(timeWithHr(segmentsFromStreams(s))).toBe(13);
  });

  it('property: zone times sum to the time with heart rate, and never exceed the recording', () => {
    const sample = fc.record({
      gap: fc.integer({ min: 0, max: 40 }),
      hr: fc.option(fc.integer({ min: 0, max: 260 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 200 }), fc.integer({ min: 120, max: 200 }), (xs, lthr) => {
        const t: number[] = [];
        let now = 0;
        for (const x of xs) {
          now += x.gap;
          t.push(now);
        }
        const s = streams(
          t,
          xs.map((x) => x.hr),
        );
        const segs = segmentsFromStreams(s);
        const zones = timeInZones(segs, lthrZoneBounds(lthr));
        const total = zones.reduce((a, b) => a + b, 0);
        expect(total).toBe(timeWithHr(segs));
        expect(zones.every((z) => z >= 0)).toBe(true);
        expect(total).toBeLessThanOrEqual(t.length > 0 ? (t[t.length - 1] ?? 0) - (t[0] ?? 0) : 0);
      }),
    );
  });
});
