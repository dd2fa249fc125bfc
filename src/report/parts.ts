/**
 * Compliance as parts (issue #18, point 14): volume, key sessions, intensity (easy days easy) and
 * strength (minimum and placement), each with its band, and an overall band that is the worst of them —
 * never green when a part is not. One weighted score read as "% of plan" hid a week of easy runs at
 * threshold behind a green 88 %; the parts say what went well and what did not.
 *
 * Pure: from the stored week document (its compliance and the recommender's flags) and the athlete's
 * minimum weekly strength minutes. The report model and the web's "This week" page both use it.
 * docs/analysis-matching.md ("Compliance parts") documents every rule.
 */
import { complianceBand } from '../analysis/matching.ts';
import type { ComplianceBand, WeekCompliance } from '../analysis/types.ts';
import type { WeekDocument } from '../domain/week-document.ts';
import { BASELINE_DAYS } from '../analysis/load.ts';
import type {
  ReportComplianceParts,
  ReportLoad,
  ReportWeekAcwr,
  ReportIntensityPart,
  ReportKeySessionsPart,
  ReportStrengthPart,
  ReportVolumePart,
} from '../domain/report-model.ts';

/** Flags about where a strength session sat (the day, its neighbours, the race): the placement part. */
export const PLACEMENT_FLAG_CODES: ReadonlySet<string> = new Set([
  'strength_before_key_session',
  'strength_on_easy_day',
  'strength_before_run',
  'strength_too_close',
  'strength_near_race',
  'hard_days_back_to_back',
]);

const RANK: Readonly<Record<ComplianceBand, number>> = { green: 0, yellow: 1, orange: 2, red: 3 };

/** The worst of the bands (red > orange > yellow > green); null when there is none. */
export function worstBand(bands: readonly (ComplianceBand | null)[]): ComplianceBand | null {
  let worst: ComplianceBand | null = null;
  for (const b of bands) if (b !== null && (worst === null || RANK[b] > RANK[worst])) worst = b;
  return worst;
}

/** The sessions due so far (every session once the week is over); older documents lack the field. */
export function plannedToDate(c: WeekCompliance): NonNullable<WeekCompliance['plannedToDate']> {
  return c.plannedToDate ?? { ...c.planned, volumeM: c.planned.distanceM };
}

/** The week is over (older documents, analysed without a date, count as over). */
export function weekComplete(c: WeekCompliance): boolean {
  return c.complete ?? true;
}

/** Planned easy / recovery sessions carried out so far, and those run too hard (by compliance or by the recommender's flag). */
function easyRuns(doc: WeekDocument): { done: string[]; tooHard: string[] } {
  const c = doc.compliance;
  const done = c.matches
    .filter((m) => (m.plannedKind === 'easy' || m.plannedKind === 'recovery') && m.plannedId !== null && m.activityId !== null)
    .map((m) => m.plannedId!);
  const flagged = doc.flags.filter((f) => f.code === 'easy_run_too_hard').flatMap((f) => f.evidence.plannedIds);
  const tooHard = new Set([...c.easyRunsTooHard, ...flagged].filter((id) => done.includes(id)));
  return { done: done.sort(), tooHard: [...tooHard].sort() };
}

/** The ids of planned easy / recovery runs done too hard this week (compliance's reading and the recommender's flag). */
export function easyRunsTooHard(doc: WeekDocument): ReadonlySet<string> {
  return new Set(easyRuns(doc).tooHard);
}

function volumePart(c: WeekCompliance): ReportVolumePart {
  const planned = plannedToDate(c);
  // Older documents have no volume: distance, else run time.
  const old = c.plannedToDate === undefined || c.actual.volumeM === undefined;
  const byDistance = old ? planned.distanceM > 0 : true;
  const plannedAmount = old ? (byDistance ? planned.distanceM : planned.durationS) : (c.plannedToDate?.volumeM ?? 0);
  const doneAmount = old ? (byDistance ? c.actual.distanceM : c.actual.durationS) : (c.actual.volumeM ?? 0);
  const ratio = plannedAmount > 0 ? doneAmount / plannedAmount : null;
  return {
    band: ratio === null ? null : complianceBand(ratio),
    basis: ratio === null ? null : byDistance ? 'distance' : 'duration',
    ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
  };
}

function keySessionsPart(c: WeekCompliance): ReportKeySessionsPart {
  const planned = plannedToDate(c).keySessions;
  const done = Math.min(c.actual.keySessionsCompleted, planned);
  let band: ComplianceBand | null = null;
  if (planned > 0) band = done === planned ? 'green' : done === 0 ? 'red' : 2 * done >= planned ? 'yellow' : 'orange';
  return { band, planned, done };
}

function intensityPart(doc: WeekDocument): ReportIntensityPart {
  const { done, tooHard } = easyRuns(doc);
  const n = done.length;
  const t = tooHard.length;
  let band: ComplianceBand | null = null;
  if (n > 0) band = t === 0 ? 'green' : 3 * t <= n ? 'yellow' : 3 * t <= 2 * n ? 'orange' : 'red';
  return { band, easyRuns: n, tooHard: t };
}

function strengthPart(doc: WeekDocument, minMinutes: number): ReportStrengthPart {
  const c = doc.compliance;
  const complete = weekComplete(c);
  const planned = plannedToDate(c).strengthSessions;
  const done = c.actual.strengthSessions;
  const minimumMet = done >= 1 && c.actual.strengthMinutes >= minMinutes;
  const placement = doc.flags.filter((f) => PLACEMENT_FLAG_CODES.has(f.code) && f.severity !== 'info');
  const placementFlags = [...new Set(placement.map((f) => f.code))].sort();
  const missedPlanned = c.matches.filter((m) => m.plannedKind === 'strength' && m.status === 'missed').length;
  let band: ComplianceBand | null;
  if (complete && !minimumMet) band = 'red';
  else if (placement.some((f) => f.severity === 'critical')) band = 'orange';
  else if (placement.length > 0 || missedPlanned > 0) band = 'yellow';
  else if (done > 0 || planned > 0 || complete) band = 'green';
  else band = null;
  return { band, planned, done, minimumMet, minMinutes, placementFlags, missedPlanned };
}

/** The week's compliance parts and the overall band (the worst part). */
export function complianceParts(doc: WeekDocument, minWeeklyStrengthMinutes: number): ReportComplianceParts {
  const volume = volumePart(doc.compliance);
  const keySessions = keySessionsPart(doc.compliance);
  const intensity = intensityPart(doc);
  const strength = strengthPart(doc, minWeeklyStrengthMinutes);
  const hasPlan = doc.compliance.planned.sessions > 0;
  return {
    volume,
    keySessions,
    intensity,
    strength,
    overall: hasPlan || doc.activities.length > 0 ? worstBand([volume.band, keySessions.band, intensity.band, strength.band]) : null,
  };
}

/** What a band says, in a few words. */
export function bandWords(band: ComplianceBand): string {
  return band === 'green' ? 'on plan' : band === 'yellow' ? 'partly off plan' : band === 'orange' ? 'well off plan' : 'off plan';
}

/** Each part as a label and a sentence, in the order the report lists them. */
export function partLines(parts: ReportComplianceParts): { label: string; band: ComplianceBand | null; text: string }[] {
  const v = parts.volume;
  const k = parts.keySessions;
  const i = parts.intensity;
  const s = parts.strength;
  const placement = s.placementFlags.map((c) => c.replaceAll('_', ' ')).join(', ');
  return [
    {
      label: 'Volume',
      band: v.band,
      text: v.ratio === null ? 'nothing planned yet' : `${Math.round(v.ratio * 100)} % of the planned ${v.basis === 'duration' ? 'run time' : 'distance'}`,
    },
    { label: 'Key sessions', band: k.band, text: k.planned === 0 ? 'none due yet' : `${k.done} of ${k.planned} done as planned` },
    {
      label: 'Easy days easy',
      band: i.band,
      text: i.easyRuns === 0 ? 'no easy run yet' : i.tooHard === 0 ? `all ${i.easyRuns} easy runs easy` : `${i.tooHard} of ${i.easyRuns} easy runs too hard`,
    },
    {
      label: 'Strength',
      band: s.band,
      text:
        `${s.done}${s.planned > 0 ? ` of ${s.planned}` : ''} ${s.done === 1 && s.planned <= 1 ? 'session' : 'sessions'}; minimum of ${s.minMinutes} min ${s.minimumMet ? 'met' : 'not met'}` +
        `${s.missedPlanned > 0 ? `; ${s.missedPlanned} planned missed` : ''}${placement === '' ? '' : `; placement flagged: ${placement}`}`,
    },
  ];
}

const ACWR_BAND_WORDS: Readonly<Record<ReportWeekAcwr['band'], string>> = {
  low: 'low (under 0.8)',
  sweet_spot: 'sweet spot (0.8–1.3)',
  caution: 'caution (1.3–1.5)',
  spike: 'spike (over 1.5)',
  building_baseline: 'building baseline',
};

/**
 * How the report reads this week's load: the week's ACWR with its band, and whether fitness, form and
 * ACWR are still a baseline being built (fewer than 42 days of history: not read as risk).
 */
export function loadReading(load: ReportLoad): { baseline: boolean; acwr: string | null; band: string | null } {
  const a = load.week.acwr;
  if (a === null) return { baseline: false, acwr: null, band: null };
  if (a.ratio === null) return { baseline: true, acwr: null, band: `building baseline (day ${a.historyDays} of ${BASELINE_DAYS})` };
  return { baseline: false, acwr: a.ratio.toFixed(2), band: ACWR_BAND_WORDS[a.band] };
}
