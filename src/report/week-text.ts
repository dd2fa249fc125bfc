/** The week's analysis for the terminal, readable in 80 columns. */
import type { SessionMatch } from '../analysis/types.ts';
import type { WeekDocument } from '../domain/week-document.ts';
import { displayDistance, displayDuration, type PlanUnits } from '../domain/units.ts';
import { addDays, dayLabel } from '../domain/iso-week.ts';
import type { UnavailableDay } from '../domain/athlete-input.ts';
import { BASELINE_DAYS } from '../analysis/load.ts';
import { bandWords, complianceParts, partLines, plannedToDate, weekComplete } from './parts.ts';

const pct = (x: number | null): string => (x === null ? '—' : `${Math.round(x * 100)} %`);
const num = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits));

export function weekText(doc: WeekDocument, athleteName: string, units: PlanUnits, minWeeklyStrengthMinutes = 40): string {
  const c = doc.compliance;
  const dist = (m: number): string => displayDistance(m, units);
  const lines: string[] = [];
  lines.push(`${athleteName} — week ${doc.isoWeek} (${doc.from} to ${doc.to}, ${doc.timezone})`);
  lines.push('');
  // Compliance as parts over what was due so far (#18 points 1 and 14).
  const soFar = weekComplete(c) ? '' : ' so far';
  const due = plannedToDate(c);
  const parts = complianceParts(doc, minWeeklyStrengthMinutes);
  lines.push(`Compliance      ${parts.overall === null ? (c.score === null ? '— (no plan this week)' : `nothing due yet${soFar}`) : `${parts.overall}: ${bandWords(parts.overall)}${soFar}`}`);
  for (const part of partLines(parts)) lines.push(...wrap(`${part.band ?? 'not yet'}: ${part.text}`, `  ${part.label.padEnd(14)}`, ' '.repeat(18)));
  const hasPlan = c.planned.sessions > 0;
  const whole = (dueValue: number, weekValue: number, text: string): string => (dueValue < weekValue ? ` (${text} this week)` : '');
  const of = (plannedValue: number, weekValue: number, text: (v: number) => string): string =>
    hasPlan && plannedValue > 0 ? ` of ${text(plannedValue)} planned${soFar}${whole(plannedValue, weekValue, text(weekValue))}` : '';
  lines.push(`Distance        ${dist(c.actual.distanceM)}${of(due.distanceM, c.planned.distanceM, dist)}`);
  lines.push(`Run time        ${displayDuration(c.actual.durationS)}${of(due.durationS, c.planned.durationS, displayDuration)}`);
  lines.push(
    `Sessions        ${c.actual.sessionsCompleted} of ${due.sessions} due${soFar} done${whole(due.sessions, c.planned.sessions, String(c.planned.sessions))}; key sessions ${c.actual.keySessionsCompleted} of ${due.keySessions}`,
  );
  lines.push(
    `Strength        ${c.actual.strengthSessions} session(s), ${Math.round(c.actual.strengthMinutes)} min (planned ${c.planned.strengthSessions}, ${Math.round(c.planned.strengthMinutes)} min)`,
  );
  const cross = c.actual.crossTraining;
  if (cross !== undefined && cross.sessions > 0) {
    const far = cross.distanceM > 0 ? `, ${dist(cross.distanceM)}` : '';
    lines.push(`Cross-training  ${cross.sessions} session(s) (${cross.sports.join(', ').replaceAll('_', ' ')}), ${displayDuration(cross.durationS)}${far}; load ${num(cross.load)}, not running volume`);
  }
  lines.push(`Hard days       done ${list(c.actual.hardDays)}; planned ${list(c.planned.hardDays)}`);
  if (c.intensity.secondsWithHr > 0) {
    lines.push(
      `Intensity       zones 1–2 ${pct(c.intensity.low)}, zone 3 ${pct(c.intensity.moderate)}, zones 4–5 ${pct(c.intensity.high)} (target ${pct(c.intensity.targetLow)} easy)`,
    );
  } else {
    lines.push('Intensity       no heart-rate data this week');
  }
  const l = doc.load;
  // The week's ACWR (7-day over 28-day mean load at its end) with its band; a baseline is not read as risk (#18 points 12, 13).
  const end = l.days.find((d) => d.date === l.acwr?.date) ?? l.days.at(-1);
  const a = l.acwr;
  lines.push(
    ...wrap(
      a !== undefined && a.ratio === null
        ? `week ${num(l.weeklyLoad)}; fitness, form and ACWR: building baseline (day ${a.historyDays} of ${BASELINE_DAYS})`
        : `week ${num(l.weeklyLoad)}; fitness ${num(end?.chronic ?? null)}, fatigue ${num(end?.acute ?? null)}, form ${num(end?.form ?? null)}; ` +
            (a === undefined ? `ACWR ${num(end?.acwr ?? null, 2)}` : `ACWR ${num(a.ratio, 2)} (${a.band.replaceAll('_', ' ')})`),
      'Load            ',
      ' '.repeat(16),
    ),
  );
  const sameDays = l.comparedDays !== undefined && l.comparedDays < 7 ? ' (same days)' : '';
  lines.push(`                monotony ${num(l.monotony, 2)}, strain ${num(l.strain)}; distance vs last week${sameDays} ${l.distanceRamp === null ? '—' : `${l.distanceRamp >= 0 ? '+' : ''}${Math.round(l.distanceRamp * 100)} %`}`);
  lines.push('');
  lines.push(`${'Day'.padEnd(15)}${'Planned'.padEnd(11)}${'Done'.padEnd(18)}Status`);
  for (const m of sortedMatches(c.matches)) {
    const date = m.plannedDate ?? m.activityDate ?? '';
    const planned = m.plannedKind === null ? '—' : m.plannedKind;
    const act = doc.activities.find((a) => a.id === m.activityId);
    const what = act?.category === 'run' ? (act.distanceM === null ? 'run' : dist(act.distanceM)) : act?.category === 'strength' ? 'strength' : act?.sport;
    const done = act === undefined ? '—' : `${what} ${act.movingS === null ? '' : displayDuration(act.movingS)}`.trim();
    const moved = m.dayShift !== 0 && m.status !== 'moved' ? ` moved ${m.dayShift > 0 ? '+' : ''}${m.dayShift} d` : '';
    const status = `${m.status}${moved}${m.band === null ? '' : ` (${m.band}${m.ratio === null || m.status === 'missed' ? '' : `, ${pct(m.ratio)}`})`}`;
    lines.push(`${dayLabel(date).padEnd(15)}${planned.padEnd(11)}${done.slice(0, 17).padEnd(18)}${status}`);
  }
  const off = stretches(doc.unavailable ?? []);
  if (off.length > 0) lines.push('', `Unavailable: ${off.map((r) => `${dayLabel(r.from)}${r.to === r.from ? '' : ` – ${dayLabel(r.to)}`} (${r.reason})`).join(', ')}`);
  if (c.easyRunsTooHard.length > 0) lines.push('', `Easy runs done too hard: ${c.easyRunsTooHard.length}`);
  if (c.hardSessionsTooEasy.length > 0) lines.push(`Quality sessions done too easy: ${c.hardSessionsTooEasy.length}`);
  if (doc.flags.length > 0) {
    lines.push('', 'Flags');
    for (const f of doc.flags) {
      lines.push(...wrap(`${f.severity.toUpperCase().padEnd(8)} ${f.date === null ? '' : `${dayLabel(f.date).slice(0, 3)} `}${f.message}`, '  ', '           '));
      lines.push(...wrap(`→ ${f.suggestion}`, '           ', '             '));
    }
  } else {
    lines.push('', 'Flags           none');
  }
  lines.push('', `Next week (${doc.nextWeek.isoWeek}) strength`);
  for (const d of doc.nextWeek.strengthDays) lines.push(...wrap(`${dayLabel(d.date)}${d.optional ? ' (optional)' : ''}: ${d.reason}`, '  ', '    '));
  if (doc.nextWeek.strengthDays.length === 0) lines.push('  no day suggested');
  for (const n of doc.nextWeek.notes) lines.push(...wrap(n, '  ', '  '));
  const p = doc.physiology;
  lines.push('', `Max HR ${p.maxHr.value} (${p.maxHr.source}), resting ${p.restingHr.value} (${p.restingHr.source}), LTHR ${p.lthr.value} (${p.lthr.source})`);
  return `${lines.join('\n')}\n`;
}

/** Consecutive days with the same reason, as one stretch each. */
function stretches(days: readonly UnavailableDay[]): { from: string; to: string; reason: UnavailableDay['reason'] }[] {
  const out: { from: string; to: string; reason: UnavailableDay['reason'] }[] = [];
  for (const d of days) {
    const last = out.at(-1);
    if (last !== undefined && last.reason === d.reason && addDays(last.to, 1) === d.date) last.to = d.date;
    else out.push({ from: d.date, to: d.date, reason: d.reason });
  }
  return out;
}

/** Word-wraps `text` to 80 columns: `first` before the first line, `rest` before the others. */
function wrap(text: string, first: string, rest: string, width = 80): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    const prefix = line === first || line === rest ? line : `${line} `;
    if (prefix.length + word.length > width && line.trim() !== '') {
      out.push(line);
      line = `${rest}${word}`;
    } else {
      line = `${prefix}${word}`;
    }
  }
  out.push(line);
  return out;
}

function list(days: string[]): string {
  return days.length === 0 ? 'none' : days.map((d) => dayLabel(d).slice(0, 3)).join(', ');
}

function sortedMatches(matches: SessionMatch[]): SessionMatch[] {
  return [...matches].sort((a, b) => (a.plannedDate ?? a.activityDate ?? '').localeCompare(b.plannedDate ?? b.activityDate ?? ''));
}
