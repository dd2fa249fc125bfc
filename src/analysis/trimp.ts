/**
 * Banister's training impulse (TRIMP), summed over samples:
 *
 *   TRIMP = Σ minutes_i × x_i × a·e^(b·x_i),   x_i = (HR_i − HR_rest) / (HR_max − HR_rest), clamped to [0, 1]
 *
 * Weighting constants as usually cited from Morton, Fitz-Clarke & Banister (1990), "Modeling human
 * performance in running", J Appl Physiol 69(3):1171–1177: a = 0.64, b = 1.92 for men and a = 0.86,
 * b = 1.67 for women. When the athlete's sex is unknown the men's constants are used (documented in
 * docs/analysis.md: they give the lower load, so an unknown profile never inflates load).
 */
import type { Segment } from './zones.ts';

export interface TrimpCoefficients {
  a: number;
  b: number;
}

export interface TrimpConstants {
  m: TrimpCoefficients;
  f: TrimpCoefficients;
  /** Used when the profile's sex is null. */
  unknown: TrimpCoefficients;
}

export const TRIMP_MEN: Readonly<TrimpCoefficients> = Object.freeze({ a: 0.64, b: 1.92 });
export const TRIMP_WOMEN: Readonly<TrimpCoefficients> = Object.freeze({ a: 0.86, b: 1.67 });

export const DEFAULT_TRIMP_CONSTANTS: Readonly<TrimpConstants> = Object.freeze({
  m: TRIMP_MEN,
  f: TRIMP_WOMEN,
  unknown: TRIMP_MEN,
});

export interface TrimpHeartRates {
  maxHr: number;
  restingHr: number;
}

export function trimpCoefficients(
  sex: 'f' | 'm' | null,
  constants: TrimpConstants = DEFAULT_TRIMP_CONSTANTS,
): TrimpCoefficients {
  if (sex === 'm') return constants.m;
  if (sex === 'f') return constants.f;
  return constants.unknown;
}

/** Fraction of heart-rate reserve, clamped to [0, 1] (a sample above the max counts as the max). */
export function hrReserveFraction(hr: number, { maxHr, restingHr }: TrimpHeartRates): number {
  if (!(maxHr > restingHr)) throw new RangeError(`max HR (${maxHr}) must exceed resting HR (${restingHr})`);
  const x = (hr - restingHr) / (maxHr - restingHr);
  return Math.min(Math.max(x, 0), 1);
}

/** TRIMP per minute at heart rate `hr`: x·a·e^(b·x). */
export function trimpPerMinute(hr: number, rates: TrimpHeartRates, k: TrimpCoefficients): number {
  const x = hrReserveFraction(hr, rates);
  return x * k.a * Math.exp(k.b * x);
}

/** TRIMP of segments (stream samples or laps); segments without heart rate add nothing. */
export function trimpOfSegments(segments: readonly Segment[], rates: TrimpHeartRates, k: TrimpCoefficients): number {
  let total = 0;
  for (const seg of segments) {
    if (seg.hr === null || seg.durationS <= 0) continue;
    total += (seg.durationS / 60) * trimpPerMinute(seg.hr, rates, k);
  }
  return total;
}

/**
 * TRIMP from a summary: average heart rate held for the whole duration. Because the weighting is
 * convex this is lower than the sample sum for an uneven effort; it is used only without streams.
 */
export function trimpFromSummary(
  avgHr: number,
  durationS: number,
  rates: TrimpHeartRates,
  k: TrimpCoefficients,
): number {
  if (!(durationS > 0)) return 0;
  return (durationS / 60) * trimpPerMinute(avgHr, rates, k);
}

/** Whole-bpm heart rates 0…255 are memoised (valid samples are 30–250 bpm). */
const TABLE_SIZE = 256;

/**
 * `trimpPerMinute` for one athlete's heart rates and coefficients, memoised by whole bpm: heart-rate
 * samples are integers, so a stream of thousands of samples needs a few dozen `Math.exp` calls. Each
 * entry is computed by `trimpPerMinute` itself on first use, so results are identical to calling it
 * (and an invalid max/resting pair throws the same RangeError, on the first lookup). Non-integer heart
 * rates are computed directly.
 */
export class TrimpTable {
  private readonly byBpm = new Float64Array(TABLE_SIZE).fill(Number.NaN);
  private readonly rates: TrimpHeartRates;
  private readonly k: TrimpCoefficients;

  constructor(rates: TrimpHeartRates, k: TrimpCoefficients) {
    this.rates = { maxHr: rates.maxHr, restingHr: rates.restingHr };
    this.k = { a: k.a, b: k.b };
  }

  /** Same as `trimpPerMinute(hr, rates, k)`. */
  perMinute(hr: number): number {
    if (hr >= 0 && hr < TABLE_SIZE && Math.floor(hr) === hr) {
      const cached = this.byBpm[hr]!;
      if (cached === cached) return cached; // not NaN: already computed
      const v = trimpPerMinute(hr, this.rates, this.k);
      this.byBpm[hr] = v;
      return v;
    }
    return trimpPerMinute(hr, this.rates, this.k);
  }

  /** Whether this table was built for exactly these heart rates and coefficients. */
  matches(rates: TrimpHeartRates, k: TrimpCoefficients): boolean {
    return (
      Object.is(this.rates.maxHr, rates.maxHr) &&
      Object.is(this.rates.restingHr, rates.restingHr) &&
      Object.is(this.k.a, k.a) &&
      Object.is(this.k.b, k.b)
    );
  }
}

/** Tables kept for reuse, most recent first: a few athletes are analysed at a time. */
const recentTables: TrimpTable[] = [];
const RECENT_TABLES = 8;

/** The `TrimpTable` for these heart rates and coefficients, reused while they stay the same. */
export function trimpTable(rates: TrimpHeartRates, k: TrimpCoefficients): TrimpTable {
  const i = recentTables.findIndex((t) => t.matches(rates, k));
  const table = i >= 0 ? recentTables[i]! : new TrimpTable(rates, k);
  if (i !== 0) {
    if (i > 0) recentTables.splice(i, 1);
    recentTables.unshift(table);
    if (recentTables.length > RECENT_TABLES) recentTables.pop();
  }
  return table;
}
