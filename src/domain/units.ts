/**
 * Distances, durations and their text forms in plan files.
 *
 * Inside the system distances are whole metres and durations whole seconds (DESIGN.md: SI inside,
 * miles/km only at the edges). Plan files always carry an explicit unit: `8 mi`, `12 km`, `800 m`,
 * `45 min`, `1:10:00`. The `format*` functions write a value back so that parsing the text gives the
 * very same number again (lossless), preferring the plan's units; `display*` functions round for people.
 */

export type PlanUnits = 'km' | 'mi';

export const METRES_PER_KM = 1000;
export const METRES_PER_MILE = 1609.344;

export function metresPerUnit(units: PlanUnits): number {
  return units === 'mi' ? METRES_PER_MILE : METRES_PER_KM;
}

/** Result of parsing one value: the value, or a message saying what was wrong with the text. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const DISTANCE_UNITS: Readonly<Record<string, number>> = {
  m: 1,
  meter: 1,
  meters: 1,
  metre: 1,
  metres: 1,
  km: METRES_PER_KM,
  k: METRES_PER_KM,
  kms: METRES_PER_KM,
  kilometer: METRES_PER_KM,
  kilometers: METRES_PER_KM,
  kilometre: METRES_PER_KM,
  kilometres: METRES_PER_KM,
  mi: METRES_PER_MILE,
  mile: METRES_PER_MILE,
  miles: METRES_PER_MILE,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
};

/** Longest distance a single planned session may have (an ultra is still well below). */
const MAX_DISTANCE_M = 500_000;
/** Longest duration a single planned session may have. */
const MAX_DURATION_S = 48 * 3600;

const NUMBER_WITH_UNIT = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]+)\.?$/;

/** Parses `8 mi`, `12 km`, `12.5km`, `800 m`, `26.2 miles` into whole metres. */
export function parseDistance(text: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return fail('is empty: write a distance with its unit, e.g. 8 mi, 12 km or 800 m');
  if (/^[+-]?\d+,\d+\s*[a-zA-Z]*$/.test(t)) {
    return fail(`'${t}' uses a comma: write decimals with a point, e.g. '${t.replace(',', '.')}'`);
  }
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) {
    return fail(`'${t}' has no unit: write e.g. '${t} km', '${t} mi' or '${t} m'`);
  }
  const m = NUMBER_WITH_UNIT.exec(t);
  if (!m) return fail(`'${t}' is not a distance: write e.g. 8 mi, 12 km or 800 m`);
  const [, sign = '', num = '', rawUnit = ''] = m;
  const unit = rawUnit.toLowerCase();
  if (DURATION_UNITS[unit] !== undefined) {
    return fail(`'${t}' is a duration, not a distance`);
  }
  const factor = DISTANCE_UNITS[unit];
  if (factor === undefined) return fail(`'${t}': unknown unit '${rawUnit}', use m, km or mi`);
  const value = Number(num);
  if (sign === '-' && value !== 0) return fail(`'${t}' is negative`);
  const metres = Math.round(value * factor);
  if (metres > MAX_DISTANCE_M) return fail(`'${t}' is longer than any session (${MAX_DISTANCE_M / 1000} km at most)`);
  return ok(metres);
}

/**
 * Parses durations into whole seconds: `45 min`, `90 s`, `1 h 30 min`, `1h30`, `1.5 h`, `1:10:00`.
 * `mm:ss` alone is refused as ambiguous (is `1:10` seventy minutes or seventy seconds?).
 */
export function parseDuration(text: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return fail('is empty: write a duration, e.g. 45 min or 1:10:00');
  if (t.startsWith('-')) return fail(`'${t}' is negative`);
  const clock = /^\+?(\d+):(\d{1,2}):(\d{1,2})$/.exec(t);
  if (clock) {
    const [, h = '0', mm = '0', ss = '0'] = clock;
    if (Number(mm) > 59 || Number(ss) > 59) return fail(`'${t}': minutes and seconds must be below 60 (h:mm:ss)`);
    return bounded(t, Number(h) * 3600 + Number(mm) * 60 + Number(ss));
  }
  if (/^\d+:\d{1,2}$/.test(t)) {
    return fail(`'${t}' is ambiguous: write h:mm:ss (e.g. '0:${t}' or '${t}:00') or use units ('45 min')`);
  }
  if (/^\+?(\d+(\.\d*)?|\.\d+)$/.test(t)) {
    return fail(`'${t}' has no unit: write e.g. '${t} min' or '${t} s', or h:mm:ss`);
  }
  // A sequence of <number><unit> parts; after an hour part, `m` and a bare trailing number mean minutes.
  const part = /(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*/y;
  let pos = 0;
  let seconds = 0;
  let sawHours = false;
  let parts = 0;
  const body = t.replace(/^\+/, '');
  while (pos < body.length) {
    part.lastIndex = pos;
    const m = part.exec(body);
    if (!m) return fail(`'${t}' is not a duration: write e.g. 45 min, 90 s, 1 h 30 min or 1:10:00`);
    pos = part.lastIndex;
    const value = Number(m[1]);
    const unit = (m[2] ?? '').toLowerCase();
    let factor = DURATION_UNITS[unit];
    if (unit === 'm' || unit === '') {
      if (sawHours) factor = 60;
      else if (unit === 'm') return fail(`'${t}': 'm' means metres; write minutes as 'min'`);
      else return fail(`'${t}' is not a duration: give every number a unit (h, min, s)`);
    }
    if (factor === undefined) {
      if (DISTANCE_UNITS[unit] !== undefined) return fail(`'${t}' is a distance, not a duration`);
      return fail(`'${t}': unknown unit '${m[2] ?? ''}', use h, min or s (or h:mm:ss)`);
    }
    if (factor === 3600) sawHours = true;
    seconds += value * factor;
    parts++;
  }
  if (parts === 0) return fail(`'${t}' is not a duration`);
  return bounded(t, Math.round(seconds));
}

function bounded(text: string, seconds: number): Parsed<number> {
  if (seconds > MAX_DURATION_S) return fail(`'${text}' is longer than any session (48 h at most)`);
  return ok(seconds);
}

/** A number with at most `decimals` decimals, without trailing zeros: 8, 12.5, 42.195. */
function trimmed(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/**
 * Writes metres in the plan's units so that `parseDistance` gives the same metres back:
 * `8 mi`, `12.5 km`, `800 m` (below 1 km always in metres), falling back to `42.195 km` when the
 * plan's unit cannot express the exact value with two decimals.
 */
export function formatDistance(metres: number, units: PlanUnits): string {
  if (!Number.isInteger(metres)) return `${trimmed(metres, 3)} m`;
  if (metres < 1000) return `${metres} m`;
  for (const u of [units, 'km'] as const) {
    const factor = metresPerUnit(u);
    for (let d = 0; d <= (u === 'km' ? 3 : 2); d++) {
      const text = `${trimmed(metres / factor, d)} ${u}`;
      const back = parseDistance(text);
      if (back.ok && back.value === metres) return text;
    }
  }
  return `${metres} m`;
}

/** Rounded for people: `16 mi`, `42.2 km`, `800 m`. */
export function displayDistance(metres: number, units: PlanUnits): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${trimmed(metres / metresPerUnit(units), 1)} ${units}`;
}

/** Writes seconds so that `parseDuration` gives them back: `45 min`, `90 s` → `0:01:30`, `1:10:00`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s % 60 === 0 && s < 3600) return `${s / 60} min`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

/** Rounded for people: `45 min`, `1 h 10 min`, `3:15:00` style is kept for race goals by the caller. */
export function displayDuration(seconds: number): string {
  const totalMin = Math.round(seconds / 60);
  if (totalMin < 60) return `${totalMin} min`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `4:30`, or `4:30.25` when the pace has fractions of a second. */
export function formatPaceSeconds(secondsPerUnit: number, decimals = 0): string {
  const total = Number(secondsPerUnit.toFixed(decimals));
  const minutes = Math.floor(total / 60);
  const rest = total - minutes * 60;
  const restText = decimals === 0 ? String(Math.round(rest)) : rest.toFixed(decimals).replace(/\.?0+$/, '');
  const [whole = '0', frac] = restText.split('.');
  return `${minutes}:${whole.padStart(2, '0')}${frac ? `.${frac}` : ''}`;
}
