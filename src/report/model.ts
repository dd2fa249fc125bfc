/**
 * The weekly report model: one typed, versioned document per athlete-week (its shape, a data
 * contract stored and served as it is, is src/domain/report-model.ts; re-exported here), built by a pure function
 * from the stored analysis (the week document with its flags and next-week advice, this week's
 * planned sessions, the daily load series and a few data-quality facts). Every renderer — text,
 * JSON, HTML, email — reads this model and nothing else.
 *
 * Deterministic: the same input gives the same model, and `canonicalReportJson` gives the same bytes
 * (object keys sorted at every level, numbers rounded to the precision documented in docs/report.md).
 * The model holds no generation time: that is kept beside it (`generatedAt` of the stored row), so the
 * content hash only changes when the content does.
 */
import { createHash } from 'node:crypto';
import type { LoadState, PlannedSessionRef, SessionMatch, SourcedValue } from '../analysis/types.ts';
import { isHardKind, isRunKind, KIND_NAMES, type IntensityTarget } from '../domain/plan.ts';
import { displayDistance, displayDuration, metresPerUnit, type PlanUnits } from '../domain/units.ts';
import { displayTarget } from '../domain/target.ts';
import { addDays, addWeeks, isoWeekOf, mondayOf, weekdayOf } from '../domain/iso-week.ts';
import type { Severity } from '../recommend/types.ts';
import type { WeekActivity, WeekDocument } from '../domain/week-document.ts';
import { bandWords, complianceParts, easyRunsTooHard, PLACEMENT_FLAG_CODES, plannedToDate, weekComplete } from './parts.ts';
import {
  REPORT_VERSION,
  type ReportCrossTraining,
  type ReportDataQuality,
  type ReportDay,
  type ReportDayRow,
  type ReportDistance,
  type ReportDoneActivity,
  type ReportFlag,
  type ReportHeadline,
  type ReportLoad,
  type ReportModel,
  type ReportPlannedSession,
  type ReportSourcedValue,
  type ReportStrength,
  type ReportStrengthSession,
  type ReportTrendDay,
  type ReportTrendWeek,
  type StravaConnectionNote,
  type StrengthDayType,
} from '../domain/report-model.ts';

// The model's shape lives in the domain (it is stored and served as it is); callers may import it from here.
export { REPORT_VERSION } from '../domain/report-model.ts';
export type * from '../domain/report-model.ts';

/** Weeks in the load and form trend, this week included. */
export const TREND_WEEKS = 8;

// ---------------------------------------------------------------------------------------------------
// Input

/** Everything the model is built from; the store reads it through repositories. */
export interface ReportInput {
  athlete: { id: string; name: string; units: PlanUnits; timezone: string };
  /** The stored week document (analysis, flags, next week). */
  week: WeekDocument;
  /** This week's sessions of the active plan. */
  planned: readonly PlannedSessionRef[];
  plan: { name: string; startDate: string; raceDate: string | null; endDate: string } | null;
  /** Stored load states of the trend's days (any subset; missing days are null in the model). */
  loadDays: readonly LoadState[];
  /** Run distance done and planned for each trend week, by ISO week. */
  weekDistances: ReadonlyMap<string, { doneM: number; plannedM: number }>;
  failedUploads: readonly { id: string; filename: string; error: string | null; date: string }[];
  strava: StravaConnectionNote | null;
  /** The athlete's local date when the report is built: decides whether the week is complete. */
  asOf: string;
  /** The athlete's minimum weekly strength minutes and ACWR limit (their thresholds). */
  thresholds: { minWeeklyStrengthMinutes: number; maxAcwr: number };
}

// ---------------------------------------------------------------------------------------------------
// Building

const r0 = (x: number): number => Math.round(x);
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const rn = (x: number | null, f: (v: number) => number): number | null => (x === null ? null : f(x));

function distance(metres: number, units: PlanUnits): ReportDistance {
  return { metres: r0(metres), value: r1(metres / metresPerUnit(units)), units };
}

export function buildReport(input: ReportInput): ReportModel {
  const doc = input.week;
  const units = input.athlete.units;
  const plannedById = new Map(input.planned.map((p) => [p.id, p]));
  const activityById = new Map(doc.activities.map((a) => [a.id, a]));
  const c = doc.compliance;
  const flags = doc.flags.map(
    (f): ReportFlag => ({
      code: f.code,
      severity: f.severity,
      date: f.date,
      message: f.message,
      suggestion: f.suggestion,
      evidence: {
        activityIds: [...f.evidence.activityIds].sort(cmp),
        plannedIds: [...f.evidence.plannedIds].sort(cmp),
        numbers: Object.fromEntries(Object.entries(f.evidence.numbers).map(([k, v]) => [k, r3(v)])),
      },
    }),
  );

  const days = buildDays(doc, plannedById, activityById, units);
  const headline = buildHeadline(doc, flags, units, input.thresholds.minWeeklyStrengthMinutes);
  const monday = mondayOf(doc.isoWeek);
  const planWeek = input.plan === null ? null : planWeekNumber(input.plan, monday);

  return {
    version: REPORT_VERSION,
    athlete: { ...input.athlete },
    week: { isoWeek: doc.isoWeek, from: doc.from, to: doc.to, complete: input.asOf > doc.to },
    plan:
      input.plan === null
        ? null
        : { name: input.plan.name, raceDate: input.plan.raceDate, weekNumber: planWeek?.number ?? null, totalWeeks: planWeek?.total ?? null },
    headline,
    days,
    strength: buildStrength(doc, flags, input),
    intensity: {
      secondsWithHr: r0(c.intensity.secondsWithHr),
      low: r3(c.intensity.low),
      moderate: r3(c.intensity.moderate),
      high: r3(c.intensity.high),
      target: { low: r3(c.intensity.targetLow), high: r3(1 - c.intensity.targetLow) },
      lowVsTargetPts: c.intensity.secondsWithHr > 0 ? r0((c.intensity.low - c.intensity.targetLow) * 100) : null,
      easyRunsTooHard: c.easyRunsTooHard.length,
      qualitySessionsTooEasy: c.hardSessionsTooEasy.length,
    },
    load: buildLoad(input),
    flags,
    ...crossTrainingOf(doc, units),
    nextWeek: {
      isoWeek: doc.nextWeek.isoWeek,
      basis: doc.nextWeek.basis,
      strengthDays: doc.nextWeek.strengthDays.map((d) => ({
        date: d.date,
        weekday: weekdayOf(d.date),
        afterKind: d.afterKind,
        reason: d.reason,
        optional: d.optional,
      })),
      notes: [...doc.nextWeek.notes],
    },
    dataQuality: buildDataQuality(doc, input),
    physiology: {
      maxHr: sourced(doc.physiology.maxHr),
      restingHr: sourced(doc.physiology.restingHr),
      lthr: sourced(doc.physiology.lthr),
      thresholdPaceSPerKm:
        doc.physiology.thresholdSpeedMps === null || doc.physiology.thresholdSpeedMps.value <= 0
          ? null
          : { value: r0(1000 / doc.physiology.thresholdSpeedMps.value), source: doc.physiology.thresholdSpeedMps.source },
    },
  };
}

function sourced(v: SourcedValue): ReportSourcedValue {
  return { value: r0(v.value), source: v.source };
}

function planWeekNumber(plan: NonNullable<ReportInput['plan']>, monday: string): { number: number; total: number } | null {
  const first = mondayOf(isoWeekOf(plan.startDate));
  const last = mondayOf(isoWeekOf(plan.endDate));
  const total = Math.round((Date.parse(last) - Date.parse(first)) / (7 * 86_400_000)) + 1;
  const number = Math.round((Date.parse(monday) - Date.parse(first)) / (7 * 86_400_000)) + 1;
  return number >= 1 && number <= total ? { number, total } : null;
}

function buildHeadline(doc: WeekDocument, flags: ReportFlag[], units: PlanUnits, minWeeklyStrengthMinutes: number): ReportHeadline {
  const c = doc.compliance;
  const soFar = !weekComplete(c);
  const due = plannedToDate(c);
  const parts = complianceParts(doc, minWeeklyStrengthMinutes);
  const pct = c.score === null ? null : r0(c.score * 100);
  const count = (s: Severity): number => flags.filter((f) => f.severity === s).length;
  const flagged = count('critical') + count('warning');
  return {
    compliancePct: pct,
    complianceBand: parts.overall,
    soFar,
    distance: { planned: distance(due.distanceM, units), done: distance(c.actual.distanceM, units), plannedWeek: distance(c.planned.distanceM, units) },
    runTime: { plannedS: r0(due.durationS), doneS: r0(c.actual.durationS) },
    sessions: {
      planned: due.sessions,
      completed: c.actual.sessionsCompleted,
      keyPlanned: due.keySessions,
      keyCompleted: c.actual.keySessionsCompleted,
    },
    strength: { planned: due.strengthSessions, done: c.actual.strengthSessions },
    parts,
    flags: { critical: count('critical'), warning: count('warning'), info: count('info') },
    summary: headlineSummary(doc, parts, units, soFar, flagged),
  };
}

/**
 * The headline in one line: the overall band in words, then each part — "Partly off plan — volume 35.8 of
 * 29 mi (123 %), key sessions 2 of 2, easy runs 1 of 3 too hard, strength 2 of 2 (minimum met)". An
 * unfinished week says "so far" and compares what was due by today.
 */
function headlineSummary(doc: WeekDocument, parts: ReportHeadline['parts'], units: PlanUnits, soFar: boolean, flagged: number): string {
  const c = doc.compliance;
  const due = plannedToDate(c);
  const show = (m: number): string => (m === 0 ? `0 ${units}` : displayDistance(m, units));
  const hasPlan = c.planned.sessions > 0;
  const when = soFar ? ' so far' : '';
  if (!hasPlan && doc.activities.length === 0) return soFar ? 'No plan and no training so far this week' : 'No plan and no training this week';
  const head = parts.overall === null ? `Nothing due yet${when}` : `${capitalize(bandWords(parts.overall))}${when}`;
  const items: string[] = [];
  if (parts.volume.ratio !== null) items.push(`volume ${show(c.actual.volumeM ?? c.actual.distanceM)} of ${show(due.volumeM)} (${r0(parts.volume.ratio * 100)} %)`);
  else items.push(`${show(c.actual.distanceM)} run`);
  if (parts.keySessions.planned > 0) items.push(`key sessions ${parts.keySessions.done} of ${parts.keySessions.planned}`);
  if (parts.intensity.easyRuns > 0) {
    items.push(parts.intensity.tooHard === 0 ? 'easy runs easy' : `easy runs ${parts.intensity.tooHard} of ${parts.intensity.easyRuns} too hard`);
  }
  const st = parts.strength;
  const strengthCount = st.planned > 0 ? `strength ${st.done} of ${st.planned}` : `strength ${st.done}`;
  const minimum = st.minimumMet ? 'minimum met' : soFar ? 'minimum not yet met' : 'minimum NOT met';
  const placement = st.placementFlags.length > 0 ? `, placement flagged` : '';
  items.push(`${strengthCount} (${minimum}${placement})`);
  return `${hasPlan ? head : `No plan${when}`} — ${items.join(', ')}${flagged > 0 ? `; ${flagged} to fix` : ''}`;
}

const capitalize = (s: string): string => `${s.slice(0, 1).toUpperCase()}${s.slice(1)}`;

function plannedSession(p: PlannedSessionRef, units: PlanUnits): ReportPlannedSession {
  const amount = [p.distanceM === null ? null : displayDistance(p.distanceM, units), p.durationS === null ? null : displayDuration(p.durationS)]
    .filter((x): x is string => x !== null)
    .join(', ');
  const target = p.target === null ? '' : `, ${targetText(p.target, units)}`;
  return {
    id: p.id,
    kind: p.kind,
    label: KIND_NAMES[p.kind],
    distanceM: p.distanceM === null ? null : r0(p.distanceM),
    durationS: p.durationS === null ? null : r0(p.durationS),
    text: `${amount === '' ? '' : `${amount} `}${KIND_NAMES[p.kind]}${target}`,
  };
}

function targetText(t: IntensityTarget, units: PlanUnits): string {
  return displayTarget(t, units);
}

function doneActivity(a: WeekActivity, units: PlanUnits): ReportDoneActivity {
  const time = a.movingS === null ? null : displayDuration(a.movingS);
  let text: string;
  if (a.category === 'run') {
    const d = a.distanceM === null ? 'run' : displayDistance(a.distanceM, units);
    text = `${d}${time === null ? '' : ` in ${time}`}${a.metrics.intensity === null ? '' : `, ${a.metrics.intensity}`}`;
  } else if (a.category === 'strength') {
    text = `strength${time === null ? '' : ` ${time}`}`;
  } else {
    text = `${a.sport.replaceAll('_', ' ')}${time === null ? '' : ` ${time}`}`;
  }
  return {
    id: a.id,
    date: a.localDate,
    category: a.category,
    sport: a.sport,
    distanceM: a.distanceM === null ? null : r0(a.distanceM),
    movingS: a.movingS === null ? null : r0(a.movingS),
    intensity: a.category === 'run' ? a.metrics.intensity : null,
    hasHr: a.metrics.timeInZonesS !== null,
    text,
  };
}

function buildDays(
  doc: WeekDocument,
  plannedById: ReadonlyMap<string, PlannedSessionRef>,
  activityById: ReadonlyMap<string, WeekActivity>,
  units: PlanUnits,
): ReportDay[] {
  const c = doc.compliance;
  const monday = mondayOf(doc.isoWeek);
  const tooHard = easyRunsTooHard(doc);
  const tooEasy = new Set(c.hardSessionsTooEasy);
  const inWeek = (d: string | null): d is string => d !== null && d >= doc.from && d <= doc.to;
  const rowsByDate = new Map<string, { row: ReportDayRow; order: number; start: string; key: string }[]>();
  for (const m of c.matches) {
    const planned = m.plannedId === null ? undefined : plannedById.get(m.plannedId);
    const act = m.activityId === null ? undefined : activityById.get(m.activityId);
    // A session planned in another week (strength moved across Monday) shows on the day it was done.
    const date = inWeek(m.plannedDate) ? m.plannedDate : m.activityDate;
    if (date === null) continue;
    const row: ReportDayRow = {
      planned: planned === undefined ? (m.plannedId === null || m.plannedKind === null ? null : unknownPlanned(m)) : plannedSession(planned, units),
      done: act === undefined ? null : doneActivity(act, units),
      status: m.status,
      band: m.band,
      ratio: rn(m.ratio, r3),
      dayShift: m.dayShift,
      verdict: m.plannedId === null || m.activityId === null ? null : tooHard.has(m.plannedId) ? 'too_hard' : tooEasy.has(m.plannedId) ? 'too_easy' : null,
    };
    const list = rowsByDate.get(date) ?? [];
    list.push({ row, order: planned?.order ?? 99, start: act?.startTime ?? '', key: `${m.plannedId ?? ''}|${m.activityId ?? ''}` });
    rowsByDate.set(date, list);
  }
  return Array.from({ length: 7 }, (_, i): ReportDay => {
    const date = addDays(monday, i);
    const plannedHere = [...plannedById.values()].filter((p) => p.date === date);
    const runsHere = doc.activities.filter((a) => a.localDate === date && a.category === 'run');
    const rows = (rowsByDate.get(date) ?? [])
      .sort((x, y) => x.order - y.order || cmp(x.start, y.start) || cmp(x.key, y.key))
      .map((x) => x.row);
    const off = doc.unavailable?.find((u) => u.date === date);
    return {
      ...(off !== undefined && { unavailable: off.reason }),
      date,
      weekday: weekdayOf(date),
      plannedDistanceM: r0(plannedHere.filter((p) => isRunKind(p.kind)).reduce((n, p) => n + (p.distanceM ?? 0), 0)),
      doneDistanceM: r0(runsHere.reduce((n, a) => n + (a.distanceM ?? 0), 0)),
      hardPlanned: c.planned.hardDays.includes(date) || plannedHere.some((p) => isHardKind(p.kind)),
      hardDone: c.actual.hardDays.includes(date),
      strengthPlanned: c.planned.strengthDays.includes(date),
      strengthDone: c.actual.strengthDays.includes(date),
      rows,
    };
  });
}

/** `{ crossTraining }` when the week had any (the key is left out otherwise). */
function crossTrainingOf(doc: WeekDocument, units: PlanUnits): { crossTraining?: ReportCrossTraining } {
  const x = doc.compliance.actual.crossTraining;
  if (x === undefined || x.sessions === 0) return {};
  return { crossTraining: { sessions: x.sessions, durationS: r0(x.durationS), distance: distance(x.distanceM, units), load: r0(x.load), sports: [...x.sports] } };
}

/** A match whose planned session is not among this week's sessions (the plan changed since): kind only. */
function unknownPlanned(m: SessionMatch): ReportPlannedSession {
  const kind = m.plannedKind!;
  return { id: m.plannedId!, kind, label: KIND_NAMES[kind], distanceM: null, durationS: null, text: KIND_NAMES[kind] };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function buildStrength(doc: WeekDocument, flags: ReportFlag[], input: ReportInput): ReportStrength {
  const c = doc.compliance;
  const hardDone = new Set(c.actual.hardDays);
  const hardPlanned = new Set(c.planned.hardDays);
  const strengthActs = doc.activities.filter((a) => a.category === 'strength');
  const sessions = strengthActs.map((a): ReportStrengthSession => {
    const runs = doc.activities.filter((x) => x.category === 'run' && x.localDate === a.localDate);
    const dayType: StrengthDayType = hardDone.has(a.localDate) ? 'hard_day' : runs.length > 0 ? 'easy_day' : 'rest_day';
    const next = addDays(a.localDate, 1);
    return {
      activityId: a.id,
      date: a.localDate,
      minutes: r1((a.movingS ?? a.metrics.movingS) / 60),
      dayType,
      afterRun: runs.length === 0 ? null : runs.some((run) => run.startTime < a.startTime),
      beforeHardDay: hardDone.has(next) || hardPlanned.has(next),
      flagCodes: [...new Set(flags.filter((f) => PLACEMENT_FLAG_CODES.has(f.code) && f.evidence.activityIds.includes(a.id)).map((f) => f.code))].sort(cmp),
    };
  });
  const minutes = r1(c.actual.strengthMinutes);
  const min = input.thresholds.minWeeklyStrengthMinutes;
  return {
    planned: { sessions: c.planned.strengthSessions, minutes: r1(c.planned.strengthMinutes), days: [...c.planned.strengthDays] },
    done: { sessions: c.actual.strengthSessions, minutes, days: [...c.actual.strengthDays] },
    minimum: { sessions: 1, minMinutes: min, met: c.actual.strengthSessions >= 1 && c.actual.strengthMinutes >= min },
    sessions,
    hardDays: { planned: [...c.planned.hardDays], done: [...c.actual.hardDays] },
  };
}

/** A day of the trend; null before the series starts and after `asOf` (days that have not happened). */
function trendDay(date: string, s: LoadState | undefined, asOf: string): ReportTrendDay {
  if (s === undefined || date > asOf) return { date, load: null, acute: null, chronic: null, form: null, acwr: null };
  return { date, load: r1(s.load), acute: r1(s.acute), chronic: r1(s.chronic), form: r1(s.form), acwr: rn(s.acwr, r3) };
}

function buildLoad(input: ReportInput): ReportLoad {
  const doc = input.week;
  const byDate = new Map(input.loadDays.map((s) => [s.date, s]));
  const firstWeek = addWeeks(doc.isoWeek, -(TREND_WEEKS - 1));
  const days: ReportTrendDay[] = [];
  const weeks: ReportTrendWeek[] = [];
  for (let w = 0; w < TREND_WEEKS; w++) {
    const isoWeek = addWeeks(firstWeek, w);
    const from = mondayOf(isoWeek);
    const weekDays = Array.from({ length: 7 }, (_, i) => trendDay(addDays(from, i), byDate.get(addDays(from, i)), input.asOf));
    days.push(...weekDays);
    const loads = weekDays.map((d) => d.load).filter((x): x is number => x !== null);
    // The state at the end of the week, or of its latest day so far.
    const last = [...weekDays].reverse().find((d) => d.acute !== null) ?? weekDays[6]!;
    const dist = input.weekDistances.get(isoWeek) ?? { doneM: 0, plannedM: 0 };
    weeks.push({
      isoWeek,
      from,
      load: loads.length === 0 ? null : r1(loads.reduce((a, b) => a + b, 0)),
      acute: last.acute,
      chronic: last.chronic,
      form: last.form,
      acwr: last.acwr,
      distanceM: r0(dist.doneM),
      plannedDistanceM: r0(dist.plannedM),
    });
  }
  const thisWeek = days.slice(-7);
  const end = [...thisWeek].reverse().find((d) => d.date <= input.asOf && d.acute !== null) ?? thisWeek[6]!;
  return {
    week: {
      load: r1(doc.load.weeklyLoad),
      monotony: rn(doc.load.monotony, r3),
      strain: rn(doc.load.strain, r1),
      distanceRamp: rn(doc.load.distanceRamp, r3),
      previousWeekDistanceM: r0(doc.load.previousWeekDistanceM),
      acwr:
        doc.load.acwr === undefined
          ? null
          : {
              date: doc.load.acwr.date,
              ratio: rn(doc.load.acwr.ratio, r3),
              band: doc.load.acwr.band,
              acute7d: r1(doc.load.acwr.acute7d),
              chronic28d: r1(doc.load.acwr.chronic28d),
              historyDays: doc.load.acwr.historyDays,
            },
    },
    end,
    weeks,
    days,
    acwrLimit: input.thresholds.maxAcwr,
  };
}

function buildDataQuality(doc: WeekDocument, input: ReportInput): ReportDataQuality {
  const noHr = doc.activities
    .filter((a) => a.metrics.timeInZonesS === null)
    .map((a) => ({ activityId: a.id, date: a.localDate, category: a.category, sport: a.sport }));
  const failed = [...input.failedUploads]
    .sort((a, b) => cmp(a.date, b.date) || cmp(a.filename, b.filename) || cmp(a.id, b.id))
    .map((u) => ({ uploadId: u.id, filename: u.filename, error: u.error ?? 'unknown error', date: u.date }));
  const notes: string[] = [];
  if (noHr.length > 0) {
    const runs = noHr.filter((a) => a.category === 'run').length;
    notes.push(
      `${noHr.length} ${noHr.length === 1 ? 'activity has' : 'activities have'} no heart rate${runs > 0 ? ` (${runs} ${runs === 1 ? 'run' : 'runs'})` : ''}: ` +
        'their load is estimated from session RPE and they are left out of the intensity split.',
    );
  }
  if (failed.length > 0) {
    notes.push(
      `${failed.length} uploaded ${failed.length === 1 ? 'file' : 'files'} could not be read (${failed.map((f) => f.filename).join(', ')}); ` +
        'they are kept and can be parsed again after a fix (kinetic import --retry-failed).',
    );
  }
  if (input.strava !== null) notes.push('Strava stopped accepting Kinetic: connect Strava again so new activities arrive.');
  return { activitiesWithoutHr: noHr, failedUploads: failed, strava: input.strava === null ? null : { ...input.strava }, notes };
}

// ---------------------------------------------------------------------------------------------------
// Canonical JSON and hash

/** JSON with object keys sorted at every level: the same model always gives the same bytes. */
export function canonicalJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** sha256 of the model's canonical JSON: changes exactly when the content does. */
export function reportHash(model: ReportModel): string {
  return createHash('sha256').update(canonicalJson(model, 0)).digest('hex');
}
