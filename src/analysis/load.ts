/**
 * Training load over time: daily loads, fitness/fatigue/form, the acute:chronic workload ratio,
 * Foster's monotony and strain, and the week-on-week distance ramp. Formulas and sources:
 * docs/analysis.md.
 *
 * Incremental by design: `loadSeries(prev, days)` continues from the stored state of the day before
 * `days[0]`, so a new activity on day D recomputes from D onward only, and the result is identical to
 * recomputing the whole history.
 */
import { addDays, mondayOf } from '../domain/iso-week.ts';
import type { DailyLoad, LoadState } from './types.ts';

export interface LoadOptions {
  /** Time constant of acute load / fatigue (ATL), days. */
  acuteDays: number;
  /** Time constant of chronic load / fitness (CTL), days. */
  chronicDays: number;
  /** Williams et al. 2017 EWMA spans for the ACWR: λ = 2 / (N + 1). */
  acwrAcuteDays: number;
  acwrChronicDays: number;
  /** The ACWR is null until the series has this many days (the chronic EWMA starts from 0). */
  minDaysForAcwr: number;
}

export const DEFAULT_LOAD_OPTIONS: Readonly<LoadOptions> = Object.freeze({
  acuteDays: 7,
  chronicDays: 42,
  acwrAcuteDays: 7,
  acwrChronicDays: 28,
  minDaysForAcwr: 28,
});

/** Sums activity loads per local date. Dates come out sorted; the result never depends on input order. */
export function dailyLoads(entries: Iterable<{ date: string; load: number }>): Map<string, number> {
  const byDate = new Map<string, number[]>();
  for (const { date, load } of entries) {
    const list = byDate.get(date) ?? [];
    list.push(load);
    byDate.set(date, list);
  }
  const out = new Map<string, number>();
  for (const date of [...byDate.keys()].sort()) {
    // Floating-point addition is not associative: summing in sorted order makes the total
    // independent of the order the activities arrived in.
    const loads = (byDate.get(date) ?? []).sort((a, b) => a - b);
    let s = 0;
    for (const l of loads) s += l;
    out.set(date, s);
  }
  return out;
}

/** Every day from `from` to `to` (both included) with its load, 0 on days without one. */
export function fillDays(from: string, to: string, loads: ReadonlyMap<string, number>): DailyLoad[] {
  const out: DailyLoad[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) out.push({ date, load: loads.get(date) ?? 0 });
  return out;
}

/** Daily decay factor of the exponential form: k = 1 − e^(−1/τ). */
export function expFactor(tauDays: number): number {
  return 1 - Math.exp(-1 / tauDays);
}

/** Williams et al. 2017: λ = 2 / (N + 1). */
export function ewmaLambda(n: number): number {
  return 2 / (n + 1);
}

/**
 * Load states for each of `days`, continuing from `prev`, the state of the day before `days[0]`
 * (null: the series starts at `days[0]` with every load at 0). `days` must be consecutive dates, and
 * the options must be the ones `prev` was computed with.
 *
 *   acute_t   = acute_{t−1}   + (load_t − acute_{t−1})   · (1 − e^(−1/7))
 *   chronic_t = chronic_{t−1} + (load_t − chronic_{t−1}) · (1 − e^(−1/42))
 *   form_t    = chronic_t − acute_t
 *   ewma_t    = λ · load_t + (1 − λ) · ewma_{t−1},  λ = 2/(N+1), N = 7 and 28;  acwr_t = ewma7_t / ewma28_t
 */
export function loadSeries(
  prev: LoadState | null,
  days: readonly DailyLoad[],
  options: Partial<LoadOptions> = {},
): LoadState[] {
  const o: LoadOptions = { ...DEFAULT_LOAD_OPTIONS, ...options };
  const kA = expFactor(o.acuteDays);
  const kC = expFactor(o.chronicDays);
  const lA = ewmaLambda(o.acwrAcuteDays);
  const lC = ewmaLambda(o.acwrChronicDays);
  const out: LoadState[] = [];
  let state = prev;
  for (const { date, load } of days) {
    if (!Number.isFinite(load)) throw new RangeError(`load of ${date} is not a finite number: ${load}`);
    if (state !== null && date !== addDays(state.date, 1)) {
      throw new RangeError(`load days must be consecutive: ${date} does not follow ${state.date}`);
    }
    const acute0 = state?.acute ?? 0;
    const chronic0 = state?.chronic ?? 0;
    const acute = acute0 + (load - acute0) * kA;
    const chronic = chronic0 + (load - chronic0) * kC;
    const acwrAcute = lA * load + (1 - lA) * (state?.acwrAcute ?? 0);
    const acwrChronic = lC * load + (1 - lC) * (state?.acwrChronic ?? 0);
    const day = (state?.day ?? 0) + 1;
    const acwr = day >= o.minDaysForAcwr && acwrChronic > 0 ? acwrAcute / acwrChronic : null;
    state = { date, load, acute, chronic, form: chronic - acute, acwrAcute, acwrChronic, acwr, day };
    out.push(state);
  }
  return out;
}

/** Days whose mean load seeds a new series (`seededStart`). */
export const SEED_DAYS = 28;

/**
 * The state to start a new series from, the day before `days[0]`: fitness, fatigue and both ACWR EWMAs
 * at the mean daily load of the series' first `SEED_DAYS` days (all of them when fewer), form 0, day 0.
 * Starting from 0 instead shows a runner who follows the plan "form −56" for weeks; seeded, the model
 * starts as if the athlete had trained like their first weeks before (docs/analysis.md, "Baseline").
 * Null for an empty series.
 */
export function seededStart(days: readonly DailyLoad[], seedDays = SEED_DAYS): LoadState | null {
  const first = days.slice(0, seedDays);
  const d0 = days[0];
  if (d0 === undefined) return null;
  let total = 0;
  for (const d of first) total += d.load;
  const seed = total / first.length;
  return { date: addDays(d0.date, -1), load: 0, acute: seed, chronic: seed, form: 0, acwrAcute: seed, acwrChronic: seed, acwr: null, day: 0 };
}

/** The 7 daily loads (Monday first) of an ISO week (`2027-W03`), 0 on days without one. */
export function weekLoads(loads: ReadonlyMap<string, number>, isoWeek: string): number[] {
  const monday = mondayOf(isoWeek);
  return fillDays(monday, addDays(monday, 6), loads).map((d) => d.load);
}

export interface MonotonyStrain {
  weeklyLoad: number;
  mean: number;
  /** Population standard deviation of the 7 daily loads. */
  sd: number;
  /** mean / sd; null when sd is 0 (every day the same load, including a week of rest). */
  monotony: number | null;
  /** weekly load × monotony; null with monotony. */
  strain: number | null;
}

/** Foster (1998): monotony = mean / SD of the week's daily loads; strain = weekly load × monotony. */
export function weekMonotonyStrain(dailyLoadsOfWeek: readonly number[]): MonotonyStrain {
  if (dailyLoadsOfWeek.length !== 7) {
    throw new RangeError(`monotony needs the 7 daily loads of a week, got ${dailyLoadsOfWeek.length}`);
  }
  let weeklyLoad = 0;
  for (const l of dailyLoadsOfWeek) weeklyLoad += l;
  const mean = weeklyLoad / 7;
  let ss = 0;
  for (const l of dailyLoadsOfWeek) ss += (l - mean) ** 2;
  const sd = Math.sqrt(ss / 7);
  // Loads that differ only by rounding noise are "the same every day".
  const monotony = sd > 1e-9 * Math.max(1, Math.abs(mean)) ? mean / sd : null;
  return { weeklyLoad, mean, sd, monotony, strain: monotony === null ? null : weeklyLoad * monotony };
}

/** Week-on-week change of distance: (this − last) / last, e.g. 0.1 = +10 %; null when last week is 0. */
export function distanceRamp(thisWeekM: number, lastWeekM: number): number | null {
  if (!(lastWeekM > 0)) return null;
  return (thisWeekM - lastWeekM) / lastWeekM;
}

// ---------------------------------------------------------------------------------------------------
// The week's acute:chronic ratio (issue #18, point 13)

/** Bands of the week's ACWR (Gabbett 2016): under 0.8 low, 0.8–1.3 sweet spot, over 1.3 to 1.5 caution, over 1.5 spike. */
export type AcwrBand = 'low' | 'sweet_spot' | 'caution' | 'spike';

/** The band limits: `low` below `low`, `sweet_spot` up to `sweetSpotMax`, `caution` up to `cautionMax`, then `spike`. */
export const ACWR_BANDS = Object.freeze({ low: 0.8, sweetSpotMax: 1.3, cautionMax: 1.5 });

/** Days of history before fitness, form and ACWR are read as risk (docs/analysis.md, "Baseline"). */
export const BASELINE_DAYS = 42;

/** The band of an ACWR, judged to two decimals (1.304 reads as 1.30, the sweet spot). */
export function acwrBand(ratio: number): AcwrBand {
  const r = Math.round(ratio * 100) / 100;
  if (r < ACWR_BANDS.low) return 'low';
  if (r <= ACWR_BANDS.sweetSpotMax) return 'sweet_spot';
  if (r <= ACWR_BANDS.cautionMax) return 'caution';
  return 'spike';
}

export interface RollingAcwr {
  /** The day the ratio is read on: the end of the week (Sunday), or today while it is in progress. */
  date: string;
  /** Mean daily load of the 7 days ending on `date`. */
  acute7d: number;
  /** Mean daily load of the 28 days ending on `date`. */
  chronic28d: number;
  /** acute7d / chronic28d; null while there is no baseline (fewer than `BASELINE_DAYS` days of history) or no chronic load. */
  ratio: number | null;
  /** The ratio's band, or `building_baseline` while there is none. */
  band: AcwrBand | 'building_baseline';
  /** Days of load history up to `date` (the series' day count). */
  historyDays: number;
}

/**
 * The week's ACWR as rolling averages, read at the end of the week: mean load of the last 7 days over
 * mean load of the last 28 (Gabbett 2016's rolling-average form), so a Sunday long run does not make
 * the week's number its peak day's. `loads` holds daily loads (missing days are 0); `historyDays` is
 * the length of the athlete's load series up to `date`.
 */
export function rollingAcwr(loads: ReadonlyMap<string, number>, date: string, historyDays: number): RollingAcwr {
  const mean = (days: number): number => {
    let s = 0;
    for (let i = days - 1; i >= 0; i--) s += loads.get(addDays(date, -i)) ?? 0;
    return s / days;
  };
  const acute7d = mean(7);
  const chronic28d = mean(28);
  const ratio = historyDays >= BASELINE_DAYS && chronic28d > 0 ? acute7d / chronic28d : null;
  return { date, acute7d, chronic28d, ratio, band: ratio === null ? 'building_baseline' : acwrBand(ratio), historyDays };
}
