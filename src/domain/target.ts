/**
 * Intensity targets in plan files: heart-rate zone `z2`, pace range `4:30-4:45/km` or `7:15-7:30/mi`,
 * perceived effort `rpe 7`. Paces are stored in seconds per km, rounded to 0.01 s.
 */
import type { IntensityTarget } from './plan.ts';
import { formatPaceSeconds, METRES_PER_MILE, type Parsed, type PlanUnits } from './units.ts';

export const MAX_HR_ZONE = 5;
const MIN_PACE_S_PER_KM = 90;
const MAX_PACE_S_PER_KM = 1200;
const KM_PER_MILE = METRES_PER_MILE / 1000;

const PACE_RE = /^(\d+):(\d{2}(?:\.\d+)?)$/;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function parsePace(text: string): number | null {
  const m = PACE_RE.exec(text.trim());
  if (!m) return null;
  const seconds = Number(m[2]);
  if (seconds >= 60) return null;
  return Number(m[1]) * 60 + seconds;
}

/** Parses `z2` / `zone 2`, `4:30-4:45/km` / `7:15/mi`, `rpe 7`. */
export function parseTarget(text: string): Parsed<IntensityTarget> {
  const t = text.trim();
  const lower = t.toLowerCase();
  const zone = /^(?:hr\s*)?(?:z|zone\s*)(\d+)$/.exec(lower);
  if (zone) {
    const n = Number(zone[1]);
    if (n < 1 || n > MAX_HR_ZONE) return { ok: false, error: `'${t}': heart-rate zones run from z1 to z${MAX_HR_ZONE}` };
    return { ok: true, value: { type: 'hr_zone', zone: n } };
  }
  const rpe = /^rpe\s*(\d+(?:\.\d+)?)$/.exec(lower);
  if (rpe) {
    const n = Number(rpe[1]);
    if (n < 1 || n > 10) return { ok: false, error: `'${t}': RPE runs from 1 to 10` };
    return { ok: true, value: { type: 'rpe', rpe: n } };
  }
  const pace = /^(.+?)\s*(?:min)?\s*\/\s*(km|mi)$/.exec(lower);
  if (pace) {
    const [, range = '', unit = 'km'] = pace;
    const ends = range.split(/\s*[-–—]\s*/);
    const values = ends.map(parsePace);
    if (ends.length > 2 || values.some((v) => v === null)) {
      return { ok: false, error: `'${t}' is not a pace range: write e.g. 4:30-4:45/km or 7:15/mi` };
    }
    const perUnit = values.filter((v): v is number => v !== null);
    const factor = unit === 'mi' ? KM_PER_MILE : 1;
    const perKm = perUnit.map((v) => round2(v / factor));
    const min = Math.min(...perKm);
    const max = Math.max(...perKm);
    if (min < MIN_PACE_S_PER_KM || max > MAX_PACE_S_PER_KM) {
      return { ok: false, error: `'${t}' is not a running pace (between 1:30 and 20:00 per km)` };
    }
    return { ok: true, value: { type: 'pace', minSPerKm: min, maxSPerKm: max } };
  }
  return {
    ok: false,
    error: `'${t}' is not a target: use a heart-rate zone (z2), a pace range (4:30-4:45/km) or an effort (rpe 7)`,
  };
}

function samePace(a: IntensityTarget, b: IntensityTarget): boolean {
  return (
    a.type === 'pace' && b.type === 'pace' && a.minSPerKm === b.minSPerKm && a.maxSPerKm === b.maxSPerKm
  );
}

/**
 * Writes a target so that `parseTarget` gives it back exactly, preferring the plan's units for paces
 * (`7:15-7:30/mi`), then the other unit, then `/km` with fractions of a second.
 */
export function formatTarget(target: IntensityTarget, units: PlanUnits): string {
  switch (target.type) {
    case 'hr_zone':
      return `z${target.zone}`;
    case 'rpe':
      return `rpe ${target.rpe}`;
    case 'pace': {
      const order: PlanUnits[] = units === 'mi' ? ['mi', 'km'] : ['km', 'mi'];
      for (const u of order) {
        const factor = u === 'mi' ? KM_PER_MILE : 1;
        const text = paceText(target.minSPerKm * factor, target.maxSPerKm * factor, u, 0);
        const back = parseTarget(text);
        if (back.ok && samePace(back.value, target)) return text;
      }
      return paceText(target.minSPerKm, target.maxSPerKm, 'km', 2);
    }
  }
}

function paceText(min: number, max: number, unit: PlanUnits, decimals: number): string {
  const a = formatPaceSeconds(min, decimals);
  const b = formatPaceSeconds(max, decimals);
  return a === b ? `${a}/${unit}` : `${a}-${b}/${unit}`;
}

/** Human form for calendars and reports: `HR zone 2`, `4:30–4:45 /km`, `RPE 7`. */
export function displayTarget(target: IntensityTarget, units: PlanUnits): string {
  switch (target.type) {
    case 'hr_zone':
      return `HR zone ${target.zone}`;
    case 'rpe':
      return `RPE ${target.rpe}`;
    case 'pace': {
      const factor = units === 'mi' ? KM_PER_MILE : 1;
      const a = formatPaceSeconds(target.minSPerKm * factor);
      const b = formatPaceSeconds(target.maxSPerKm * factor);
      return a === b ? `${a} /${units}` : `${a}–${b} /${units}`;
    }
  }
}
