/**
 * When an athlete's weekly report is due. Pure: the instant is always passed in.
 *
 * The report for ISO week W (Monday–Sunday in the athlete's time zone) is due in the week after W, on
 * the athlete's report weekday at their local report time (default Monday 07:00): it always covers a
 * week that has ended, whatever day is chosen (a later day leaves time for late uploads).
 *
 * Local times that do not exist or exist twice on a daylight-saving day are resolved the way
 * cron-parser (BullMQ's job schedulers) resolves them, so the schedule and these functions agree:
 * a time in the spring-forward gap moves forward by the gap (02:30 → 03:30), a time in the
 * fall-back overlap is its first occurrence (the earlier instant). docs/jobs.md, "Weekly schedule".
 */
import { addDays, addWeeks, isoWeekOf, mondayOf, WEEKDAYS, type Weekday } from './iso-week.ts';
import { localDateOf } from './time.ts';

/** The athlete fields the schedule depends on (an `Athlete` row has them). */
export interface ReportScheduleSettings {
  timezone: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  report_weekday: number;
  /** Local time of day, `HH:MM` (24 h). */
  report_time: string;
}

export const DEFAULT_REPORT_WEEKDAY = 1;
export const DEFAULT_REPORT_TIME = '07:00';

const TIME_RE = /^(\d{1,2}):(\d{2})$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** `7:00`, `07:00`, `23:59` → `HH:MM`; null when it is not a time of day from 00:00 to 23:59. */
export function parseReportTime(text: string): string | null {
  const m = TIME_RE.exec(text.trim());
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** ISO weekday number (1 = Monday … 7 = Sunday) of a weekday name. */
export function isoWeekdayNumber(day: Weekday): number {
  return WEEKDAYS.indexOf(day) + 1;
}

/** `mon` … `sun` of an ISO weekday number. */
export function weekdayOfNumber(isoWeekday: number): Weekday {
  const day = WEEKDAYS[isoWeekday - 1];
  if (day === undefined) throw new RangeError(`ISO weekday must be 1 (Monday) to 7 (Sunday), not ${isoWeekday}`);
  return day;
}

function minutesOf(time: string): number {
  const normal = parseReportTime(time);
  if (normal === null) throw new RangeError(`report time must be HH:MM from 00:00 to 23:59, not '${time}'`);
  return Number(normal.slice(0, 2)) * 60 + Number(normal.slice(3, 5));
}

/**
 * The cron pattern and zone of a BullMQ job scheduler that fires when reports are due:
 * `minute hour * * weekday` (cron counts Sunday as 0), evaluated in the athlete's zone.
 */
export function reportCron(s: ReportScheduleSettings): { pattern: string; tz: string } {
  const minutes = minutesOf(s.report_time);
  weekdayOfNumber(s.report_weekday);
  return { pattern: `${minutes % 60} ${Math.floor(minutes / 60)} * * ${s.report_weekday % 7}`, tz: s.timezone };
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (local = UTC + offset). */
function offsetMs(instantMs: number, timeZone: string): number {
  let f = partFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormatters.set(timeZone, f);
  }
  const p = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of f.formatToParts(new Date(instantMs))) if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant of a local date and time of day in a zone. A time in a spring-forward gap moves forward
 * by the gap; a time that occurs twice (fall back) is its first, earlier occurrence.
 */
export function zonedInstant(date: string, minutes: number, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE_MS;
  // The offsets a day either side bound the ones in between (zones change offset at most once a day).
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => t + offsetMs(t, timeZone) === wall);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // No instant shows this wall time (the gap): read it with the offset in force before the change.
  return new Date(wall - before);
}

/** The instant the report for `isoWeek` is due: the report weekday of the next week, at the report time. */
export function reportDueAt(s: ReportScheduleSettings, isoWeek: string): Date {
  weekdayOfNumber(s.report_weekday); // throws on a weekday out of range
  const day = addDays(mondayOf(isoWeek), 7 + s.report_weekday - 1);
  return zonedInstant(day, minutesOf(s.report_time), s.timezone);
}

export interface DueReport {
  /** The ISO week the report covers (it has ended in the athlete's zone). */
  isoWeek: string;
  /** When it was due, by the athlete's schedule. */
  dueAt: Date;
}

/**
 * The latest week whose report is due at `now` (due time ≤ now): on the report day before the report
 * time, that is the week before last; from the report time on, the week just ended.
 */
export function dueReportWeek(s: ReportScheduleSettings, now: Date): DueReport {
  // The report for the week before this local week is due during this week, or it is not due yet
  // and the one for the week before it (due last week) is.
  let week = addWeeks(isoWeekOf(localDateOf(now, s.timezone)), -1);
  for (let i = 0; i < 3; i++) {
    const dueAt = reportDueAt(s, week);
    if (dueAt.getTime() <= now.getTime()) return { isoWeek: week, dueAt };
    week = addWeeks(week, -1);
  }
  throw new Error(`no report due before ${now.toISOString()} in ${s.timezone}`); // unreachable: two weeks back is always due
}

/**
 * The last `count` due reports at `now`, oldest first, leaving out those due before `notBefore` (the
 * athlete did not exist yet). What catch-up after downtime makes sure exist.
 */
export function dueReportWeeks(s: ReportScheduleSettings, now: Date, count: number, notBefore?: Date): DueReport[] {
  const last = dueReportWeek(s, now);
  const out: DueReport[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const isoWeek = addWeeks(last.isoWeek, -i);
    const dueAt = i === 0 ? last.dueAt : reportDueAt(s, isoWeek);
    if (notBefore === undefined || dueAt.getTime() >= notBefore.getTime()) out.push({ isoWeek, dueAt });
  }
  return out;
}

/** The next time a report falls due strictly after `now` (what the job scheduler fires at next). */
export function nextReportAt(s: ReportScheduleSettings, now: Date): DueReport {
  const last = dueReportWeek(s, now);
  for (let i = 1; i <= 3; i++) {
    const isoWeek = addWeeks(last.isoWeek, i);
    const dueAt = reportDueAt(s, isoWeek);
    if (dueAt.getTime() > now.getTime()) return { isoWeek, dueAt };
  }
  throw new Error(`no report due after ${now.toISOString()} in ${s.timezone}`); // unreachable
}

/** `Mon 07:00 Europe/Berlin`, how messages name a schedule. */
export function describeReportSchedule(s: ReportScheduleSettings): string {
  const day = weekdayOfNumber(s.report_weekday);
  return `${day[0]!.toUpperCase()}${day.slice(1)} ${s.report_time} ${s.timezone}`;
}
