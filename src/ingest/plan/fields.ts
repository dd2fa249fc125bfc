/**
 * Field rules shared by the YAML and CSV plan readers: one place says what a valid kind, date, order,
 * distance, duration or target is, so both formats accept and reject exactly the same values.
 */
import { SESSION_KINDS, type PlannedSession, type SessionKind } from '../../domain/plan.ts';
import { isValidDate } from '../../domain/iso-week.ts';
import { didYouMean, type PlanProblem } from './errors.ts';
import type { Parsed, PlanUnits } from '../../domain/units.ts';

const KIND_ALIASES: Readonly<Record<string, SessionKind>> = {
  long_run: 'long',
  easy_run: 'easy',
  recovery_run: 'recovery',
  rest_day: 'rest',
  interval: 'intervals',
  hill: 'hills',
  hill_repeats: 'hills',
  tempo_run: 'tempo',
  marathon_pace: 'race_pace',
  cross_training: 'cross',
};

const KIND_SET: ReadonlySet<string> = new Set(SESSION_KINDS);

function isSessionKind(s: string): s is SessionKind {
  return KIND_SET.has(s);
}

/** `easy`, `Race pace`, `race-pace`, `long run` → a session kind; anything else is an error. */
export function parseKind(text: string): Parsed<SessionKind> {
  const t = text.trim();
  if (t === '') return { ok: false, error: `is empty: use one of ${SESSION_KINDS.join(', ')}` };
  const key = t.toLowerCase().replace(/[\s-]+/g, '_');
  if (isSessionKind(key)) return { ok: true, value: key };
  const alias = KIND_ALIASES[key];
  if (alias) return { ok: true, value: alias };
  return {
    ok: false,
    error: `unknown session kind '${t}'${didYouMean(key, SESSION_KINDS)}: use one of ${SESSION_KINDS.join(', ')}`,
  };
}

export function parseDateField(text: string): Parsed<string> {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'is empty: write the date as YYYY-MM-DD' };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return { ok: false, error: `'${t}' is not a date: write YYYY-MM-DD` };
  if (!isValidDate(t)) return { ok: false, error: `'${t}' is not a real calendar date` };
  return { ok: true, value: t };
}

/** `1`, `2`, … or `am` (1) / `pm` (2). */
export function parseOrder(text: string): Parsed<number> {
  const t = text.trim().toLowerCase();
  if (t === 'am') return { ok: true, value: 1 };
  if (t === 'pm') return { ok: true, value: 2 };
  if (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 9) return { ok: true, value: Number(t) };
  return { ok: false, error: `'${text.trim()}' is not an order within the day: use 1, 2, … (or am / pm)` };
}

export function parseUnits(text: string): Parsed<PlanUnits> {
  const t = text.trim().toLowerCase();
  if (t === 'km' || t === 'mi') return { ok: true, value: t };
  return { ok: false, error: `'${text.trim()}' is not a unit: use km or mi` };
}

/**
 * Sessions one plan may hold: more than two years of nine sessions a day (a plan week is at most 104),
 * so no training plan reaches it; a file past it is refused whole (docs/security.md, "Limits").
 */
export const MAX_PLAN_SESSIONS = 10_000;

/** The largest plan file read (the API's body limit for a plan; the web app's import form). */
export const MAX_PLAN_FILE_BYTES = 1024 * 1024;

/** One session as read from a file, before the orders within each day are settled. */
export interface DraftSession {
  date: string;
  /** null when the file gave no order: the first free order of that day is used. */
  order: number | null;
  kind: SessionKind;
  distanceM: number | null;
  durationS: number | null;
  target: PlannedSession['target'];
  notes: string | null;
  /** Where the session is in the file, for problems. */
  where: { line?: number; row?: number };
  /** The field that set the date (`date`, or `week` for week + day), for problems. */
  dateField: string;
}

/**
 * Settles orders within each day (explicit orders stay; sessions without one take the lowest free
 * order, in file order), reports duplicates and sessions before the plan start, and sorts by date
 * then order.
 */
export function finishSessions(
  drafts: readonly DraftSession[],
  startDate: string | null,
  problems: PlanProblem[],
): PlannedSession[] {
  if (drafts.length > MAX_PLAN_SESSIONS) {
    problems.push({ field: 'sessions', message: `the plan has ${drafts.length.toLocaleString('en')} sessions: at most ${MAX_PLAN_SESSIONS.toLocaleString('en')} (split it into plans of a season each)` });
    return [];
  }
  const taken = new Map<string, Map<number, DraftSession>>();
  for (const d of drafts) {
    if (d.order === null) continue;
    const day = taken.get(d.date) ?? new Map<number, DraftSession>();
    taken.set(d.date, day);
    const first = day.get(d.order);
    if (first) {
      const firstAt = first.where.line !== undefined ? `line ${first.where.line}` : `row ${first.where.row ?? '?'}`;
      problems.push({
        ...d.where,
        field: 'order',
        message: `a second session on ${d.date} with order ${d.order} (the first is at ${firstAt}): give each session of a day its own order`,
      });
    } else {
      day.set(d.order, d);
    }
  }
  const sessions: PlannedSession[] = [];
  for (const d of drafts) {
    if (startDate !== null && d.date < startDate) {
      problems.push({ ...d.where, field: d.dateField, message: `${d.date} is before the plan start ${startDate}` });
    }
    let order = d.order;
    if (order === null) {
      const day = taken.get(d.date) ?? new Map<number, DraftSession>();
      taken.set(d.date, day);
      order = 1;
      while (day.has(order)) order++;
      day.set(order, d);
    }
    sessions.push({
      date: d.date,
      order,
      kind: d.kind,
      distanceM: d.distanceM,
      durationS: d.durationS,
      target: d.target,
      notes: d.notes,
    });
  }
  return sortSessions(sessions);
}

export function sortSessions(sessions: readonly PlannedSession[]): PlannedSession[] {
  return [...sessions].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
}
