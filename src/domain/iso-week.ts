/**
 * Calendar-date arithmetic for plans: ISO weeks (Monday first), weekdays and day offsets.
 *
 * Dates are plain calendar dates written `YYYY-MM-DD`. Internally they are handled as UTC midnights so
 * no time zone or daylight-saving change can shift a day; nothing here reads the clock.
 */

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_WEEK_RE = /^(\d{4})-W(\d{2})$/;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const WEEKDAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

const FULL_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'monday',
  tue: 'tuesday',
  wed: 'wednesday',
  thu: 'thursday',
  fri: 'friday',
  sat: 'saturday',
  sun: 'sunday',
};

/**
 * Analysis does date arithmetic on the same few thousand dates millions of times: both conversions
 * are memoised (bounded: a cache that grows past `MEMO_LIMIT` entries starts again).
 */
const MEMO_LIMIT = 50_000;
const msByDate = new Map<string, number | null>();
const dateByMs = new Map<number, string>();

/** Milliseconds since the epoch of the date's UTC midnight, or null when `date` is not a real date. */
function toUtcMs(date: string): number | null {
  const known = msByDate.get(date);
  if (known !== undefined) return known;
  if (msByDate.size >= MEMO_LIMIT) msByDate.clear();
  const ms = parseUtcMs(date);
  msByDate.set(date, ms);
  return ms;
}

function parseUtcMs(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  // Date.UTC rolls 2027-02-30 over to 2027-03-02: a real date survives the round trip unchanged.
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  // Years 0–99 are mapped to 1900–1999 by Date.UTC; plans never use them.
  if (year < 1000) return null;
  return ms;
}

function mustMs(date: string): number {
  const ms = toUtcMs(date);
  if (ms === null) throw new RangeError(`not a calendar date (YYYY-MM-DD): '${date}'`);
  return ms;
}

function fromUtcMs(ms: number): string {
  let date = dateByMs.get(ms);
  if (date === undefined) {
    if (dateByMs.size >= MEMO_LIMIT) dateByMs.clear();
    date = new Date(ms).toISOString().slice(0, 10);
    dateByMs.set(ms, date);
  }
  return date;
}

/** True when `date` is written YYYY-MM-DD and exists on the calendar (2027-02-30 does not). */
export function isValidDate(date: string): boolean {
  return toUtcMs(date) !== null;
}

/** `date` moved by `days` (negative moves back). Throws RangeError on an invalid date. */
export function addDays(date: string, days: number): string {
  return fromUtcMs(mustMs(date) + days * DAY_MS);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((mustMs(to) - mustMs(from)) / DAY_MS);
}

/** Day of the week, 0 = Monday … 6 = Sunday. */
export function weekdayIndex(date: string): number {
  const jsDay = new Date(mustMs(date)).getUTCDay(); // 0 = Sunday
  return (jsDay + 6) % 7;
}

export function weekdayOf(date: string): Weekday {
  return WEEKDAYS[weekdayIndex(date)] ?? 'mon';
}

/** `Mon`, `Tue`, … for messages. */
export function weekdayLabel(day: Weekday): string {
  return WEEKDAY_NAMES[day];
}

/** `Tue 2027-02-02`, the way findings and errors name a day. */
export function dayLabel(date: string): string {
  return `${weekdayLabel(weekdayOf(date))} ${date}`;
}

/** Monday of the ISO week that contains `date`. */
export function weekStart(date: string): string {
  return addDays(date, -weekdayIndex(date));
}

/** ISO week of `date`, e.g. `2027-W03`. The ISO year can differ from the calendar year around New Year. */
export function isoWeekOf(date: string): string {
  // The ISO week belongs to the year of its Thursday.
  const thursday = addDays(date, 3 - weekdayIndex(date));
  const year = Number(thursday.slice(0, 4));
  const jan1 = `${String(year).padStart(4, '0')}-01-01`;
  const week = Math.floor(daysBetween(jan1, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** True when `week` is written `YYYY-Www` and that week exists (week 53 only in long years). */
export function isValidIsoWeek(week: string): boolean {
  const m = ISO_WEEK_RE.exec(week);
  if (!m) return false;
  const n = Number(m[2]);
  if (n < 1 || n > 53) return false;
  return isoWeekOf(mondayOfUnchecked(Number(m[1]), n)) === week;
}

function mondayOfUnchecked(year: number, week: number): string {
  // 4 January is always in week 1.
  const jan4 = `${String(year).padStart(4, '0')}-01-04`;
  return addDays(weekStart(jan4), (week - 1) * 7);
}

/** Monday of an ISO week written `YYYY-Www`. Throws RangeError when the week does not exist. */
export function mondayOf(isoWeek: string): string {
  const m = ISO_WEEK_RE.exec(isoWeek);
  if (!m || !isValidIsoWeek(isoWeek)) throw new RangeError(`not an ISO week (YYYY-Www): '${isoWeek}'`);
  return mondayOfUnchecked(Number(m[1]), Number(m[2]));
}

/** The ISO week `n` weeks after (or before, when negative) `isoWeek`. */
export function addWeeks(isoWeek: string, n: number): string {
  return isoWeekOf(addDays(mondayOf(isoWeek), n * 7));
}

/**
 * Plan week number of `date` (1-based): week 1 is the ISO week containing the plan's start date.
 * Dates before that week give 0 or negative numbers.
 */
export function planWeekOf(startDate: string, date: string): number {
  return Math.floor(daysBetween(weekStart(startDate), date) / 7) + 1;
}

/** The date of `day` in plan week `week` (week 1 is the ISO week containing `startDate`). */
export function dateOfPlanWeek(startDate: string, week: number, day: Weekday): string {
  return addDays(weekStart(startDate), (week - 1) * 7 + WEEKDAYS.indexOf(day));
}

/** Every date from `from` to `to`, both included (empty when `to` is before `from`). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const n = daysBetween(from, to);
  for (let i = 0; i <= n; i++) out.push(addDays(from, i));
  return out;
}

/** Parses `mon`, `Monday`, `TUE`, … into a weekday, or null. */
export function parseWeekday(text: string): Weekday | null {
  const t = text.trim().toLowerCase();
  if (t.length < 3) return null;
  for (const day of WEEKDAYS) {
    const full = FULL_NAMES[day];
    if (t === day || t === full || (full.startsWith(t) && t.length >= 3)) return day;
  }
  return null;
}
