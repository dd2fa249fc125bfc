/**
 * The weekly report for the terminal and the plain-text e-mail part: 80 columns, no colour (every
 * status is a word), from the report model only.
 */
import { displayDistance, displayDuration } from '../domain/units.ts';
import { dayLabel, weekdayLabel, weekdayOf } from '../domain/iso-week.ts';
import type { ReportCrossTraining, ReportDay, ReportDayRow, ReportModel, ReportStrengthSession, ReportTrendWeek } from './model.ts';
import { bandWords, loadReading, partLines } from './parts.ts';

export const TEXT_WIDTH = 80;

const pct = (fraction: number): string => `${Math.round(fraction * 100)} %`;
const num = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits).replace(/^-/, '−'));
const signed = (x: number): string => (x > 0 ? `+${x}` : x < 0 ? `−${-x}` : '±0');
/** `Tue 17`: weekday and day of the month. */
const short = (date: string): string => `${weekdayLabel(weekdayOf(date))} ${Number(date.slice(8, 10))}`;

export function renderReportText(m: ReportModel): string {
  const out: string[] = [];
  const units = m.athlete.units;
  const dist = (metres: number): string => (metres === 0 ? `0 ${units}` : displayDistance(metres, units));
  const h = m.headline;

  // Title
  out.push(`Weekly report — ${m.athlete.name}`);
  out.push(`Week ${m.week.isoWeek}: ${dayLabel(m.week.from)} to ${dayLabel(m.week.to)} (${m.athlete.timezone})`);
  if (m.plan !== null) {
    const week = m.plan.weekNumber === null ? '' : `, week ${m.plan.weekNumber} of ${m.plan.totalWeeks}`;
    out.push(...wrap(`Plan: ${m.plan.name}${week}${m.plan.raceDate === null ? '' : `; race ${dayLabel(m.plan.raceDate)}`}`, '', '  '));
  }
  if (!m.week.complete) out.push('The week is not over yet: flags about the whole week wait for Sunday.');
  out.push('');
  out.push(...wrap(h.summary, '', ''));
  out.push('');

  // Headline numbers
  const ofPlan = (done: number, planned: number): string => (planned > 0 ? ` (${pct(done / planned)})` : '');
  const soFar = h.soFar ? ' so far' : '';
  out.push(field('Compliance', h.complianceBand === null ? (h.compliancePct === null ? 'no plan this week' : `nothing due yet${soFar}`) : `${h.complianceBand}: ${bandWords(h.complianceBand)}${soFar}`));
  for (const p of partLines(h.parts)) out.push(...wrap(`${p.label} (${p.band ?? 'not yet'}): ${p.text}`, ' '.repeat(13), ' '.repeat(15)));
  out.push(
    field(
      `Distance${h.soFar ? '*' : ''}`,
      h.distance.planned.metres > 0
        ? `${dist(h.distance.done.metres)} of ${dist(h.distance.planned.metres)} planned${ofPlan(h.distance.done.metres, h.distance.planned.metres)}`
        : `${dist(h.distance.done.metres)}`,
    ),
  );
  out.push(field('Run time', `${displayDuration(h.runTime.doneS)}${h.runTime.plannedS > 0 ? ` of ${displayDuration(h.runTime.plannedS)} planned` : ''}`));
  out.push(field('Sessions', `${h.sessions.completed} of ${h.sessions.planned} done; key sessions ${h.sessions.keyCompleted} of ${h.sessions.keyPlanned}`));
  if (m.crossTraining !== undefined) out.push(field('Cross-train', crossTrainingText(m.crossTraining, dist)));
  if (h.soFar) out.push(`* so far: what was planned up to today (the whole week: ${dist(h.distance.plannedWeek.metres)})`);
  out.push('');

  // Day by day
  out.push('DAY BY DAY');
  out.push(`${'Day'.padEnd(7)}${'Planned'.padEnd(24)}${'Done'.padEnd(25)}Status`);
  for (const d of m.days) out.push(...dayLines(d, dist));
  out.push('');
  out.push(...weekStrip(m));
  out.push('');

  // Strength
  const s = m.strength;
  out.push('STRENGTH');
  out.push(
    ...wrap(
      `${s.done.sessions} of ${s.planned.sessions} planned sessions, ${Math.round(s.done.minutes)} of ${Math.round(s.planned.minutes)} min. ` +
        `Minimum of 1 session and ${s.minimum.minMinutes} min a week: ${minimumText(s.minimum.met, h.soFar, h.parts.strength.placementFlags)}.`,
      '  ',
      '  ',
    ),
  );
  for (const x of s.sessions) out.push(...wrap(strengthLine(x), '  ', '      '));
  if (s.sessions.length === 0) out.push('  No strength session this week.');
  out.push('');

  // Intensity
  const i = m.intensity;
  out.push('INTENSITY (run time by heart-rate zone)');
  if (i.secondsWithHr > 0) {
    out.push(`  easy (zones 1–2) ${pct(i.low)} · moderate (zone 3) ${pct(i.moderate)} · hard (zones 4–5) ${pct(i.high)}`);
    const vs = i.lowVsTargetPts ?? 0;
    out.push(
      `  target ${pct(i.target.low)} easy: ${vs === 0 ? 'on target' : `${signed(vs)} point${Math.abs(vs) === 1 ? '' : 's'}${vs < 0 ? ' (too little easy running)' : ''}`}`,
    );
  } else {
    out.push('  No heart-rate data for the runs this week.');
  }
  if (i.easyRunsTooHard > 0) out.push(`  Easy runs done too hard: ${i.easyRunsTooHard}`);
  if (i.qualitySessionsTooEasy > 0) out.push(`  Quality sessions done too easy: ${i.qualitySessionsTooEasy}`);
  out.push('');

  // Load
  const l = m.load;
  out.push(`LOAD AND FORM, LAST ${l.weeks.length} WEEKS`);
  const reading = loadReading(l);
  const loadLine = reading.baseline
    ? `This week: load ${num(l.week.load)}; fitness, form and ACWR: ${reading.band}, not yet read as risk`
    : reading.acwr !== null
      ? `This week: load ${num(l.week.load)}; fitness ${num(l.end.chronic)}, fatigue ${num(l.end.acute)}, form ${num(l.end.form)}; ` +
        `ACWR ${reading.acwr} — ${reading.band} (7-day over 28-day load, end of week)`
      : `This week: load ${num(l.week.load)}; fitness ${num(l.end.chronic)}, fatigue ${num(l.end.acute)}, form ${num(l.end.form)}; ` +
        `ACWR ${num(l.end.acwr, 2)} (limit ${l.acwrLimit})`;
  out.push(...wrap(loadLine, '  ', '  '));
  out.push(
    `  Monotony ${num(l.week.monotony, 2)}, strain ${num(l.week.strain)}; distance vs last week ${
      l.week.distanceRamp === null ? '—' : `${signed(Math.round(l.week.distanceRamp * 100))} %`
    }`,
  );
  out.push(`  ${'Week'.padEnd(10)}${'Distance'.padStart(10)}${'Planned'.padStart(10)}${'Load'.padStart(7)}${'Fitness'.padStart(9)}${'Fatigue'.padStart(9)}${'Form'.padStart(7)}${'ACWR'.padStart(7)}`);
  for (const w of l.weeks) out.push(trendLine(w, dist));
  out.push('  Fitness and fatigue: 42- and 7-day weighted load; form = fitness − fatigue.');
  out.push('');

  // Flags
  out.push(m.flags.length === 0 ? `FLAGS: ${noFlagsText(m)}` : `FLAGS (${m.flags.length})`);
  const indent = ' '.repeat(18);
  for (const f of m.flags) {
    out.push(...wrap(f.message, `  ${f.severity.toUpperCase().padEnd(9)}${(f.date === null ? 'week' : short(f.date)).padEnd(7)}`, indent));
    out.push(...wrap(`→ ${f.suggestion}`, indent, `${indent}  `));
  }
  out.push('');

  // Next week
  const n = m.nextWeek;
  out.push(`NEXT WEEK (${n.isoWeek}): STRENGTH`);
  for (const d of n.strengthDays) {
    // The reason says where the session sits (after which run) and whether it is optional.
    out.push(...wrap(`${dayLabel(d.date)}: ${d.reason}`, '  ', '    '));
  }
  if (n.strengthDays.length === 0) out.push('  No day suggested.');
  for (const note of n.notes) out.push(...wrap(note, '  ', '  '));

  // Data quality
  const q = m.dataQuality;
  if (q.notes.length > 0) {
    out.push('');
    out.push('DATA QUALITY');
    for (const note of q.notes) out.push(...wrap(`- ${note}`, '  ', '    '));
  }

  out.push('');
  const p = m.physiology;
  out.push(
    ...wrap(
      `Heart rate: max ${p.maxHr.value} (${p.maxHr.source}), resting ${p.restingHr.value} (${p.restingHr.source}), threshold ${p.lthr.value} (${p.lthr.source}).`,
      '',
      '',
    ),
  );
  return `${out.join('\n')}\n`;
}

/** "Minimum met" is never left unqualified beside a placement flag, nor "not met" while the week runs. */
function minimumText(met: boolean, soFar: boolean, placement: readonly string[]): string {
  if (!met) return soFar ? 'not yet met' : 'NOT MET';
  return placement.length === 0 ? 'met' : `met, but placement flagged (${placement.map((c) => c.replaceAll('_', ' ')).join(', ')})`;
}

/** No flags: a good week says so; an empty or unfinished one does not claim it went well. */
function noFlagsText(m: ReportModel): string {
  const trained = m.days.some((d) => d.rows.some((r) => r.done !== null));
  if (!trained) return `none — but no training was recorded${m.week.complete ? ' this week' : ' yet'}.`;
  if (!m.week.complete) return 'none so far — flags about the whole week wait for Sunday.';
  if (m.headline.complianceBand !== null && m.headline.complianceBand !== 'green') return 'none — see the compliance parts for what was off plan.';
  return 'none — the week went as a coach would want.';
}

function field(label: string, value: string): string {
  return wrap(value, label.padEnd(13), ' '.repeat(13)).join('\n');
}

function fit(text: string, width: number): string {
  return text.length <= width - 1 ? text.padEnd(width) : `${text.slice(0, width - 2)}… `;
}

function dayLines(d: ReportDay, dist: (m: number) => string): string[] {
  const label = short(d.date);
  const off = d.unavailable === undefined ? [] : [`${''.padEnd(7)}unavailable: ${d.unavailable}`];
  if (d.rows.length === 0) return [`${label.padEnd(7)}${fit(d.unavailable === undefined ? 'rest' : `unavailable: ${d.unavailable}`, 24)}${fit('—', 25)}`.trimEnd()];
  return [...d.rows.map((r, k) => `${(k === 0 ? label : '').padEnd(7)}${fit(plannedText(r, dist), 24)}${fit(doneText(r, dist), 25)}${statusText(r)}`.trimEnd()), ...off];
}

/** `2 sessions (swimming, cycling), 1 h 30 min, 31.5 km; load 193 — not running volume`. */
export function crossTrainingText(x: ReportCrossTraining, dist: (m: number) => string): string {
  const far = x.distance.metres > 0 ? `, ${dist(x.distance.metres)}` : '';
  return `${x.sessions} session${x.sessions === 1 ? '' : 's'} (${x.sports.join(', ').replaceAll('_', ' ')}), ${displayDuration(x.durationS)}${far}; load ${x.load} — not running volume`;
}

function plannedText(r: ReportDayRow, dist: (m: number) => string): string {
  const p = r.planned;
  if (p === null) return '—';
  const amount = p.distanceM !== null ? dist(p.distanceM) : p.durationS !== null ? displayDuration(p.durationS) : null;
  return `${amount === null ? '' : `${amount} `}${p.kind === 'strength' ? 'strength' : p.label}`;
}

function doneText(r: ReportDayRow, dist: (m: number) => string): string {
  const a = r.done;
  if (a === null) return '—';
  const time = a.movingS === null ? '' : displayDuration(a.movingS);
  const moved = r.dayShift !== 0 ? ` (${short(a.date).slice(0, 3)})` : '';
  if (a.category === 'run') return `${a.distanceM === null ? 'run' : dist(a.distanceM)} ${time}${a.intensity === null ? '' : ` ${a.intensity}`}${moved}`;
  if (a.category === 'strength') return `strength ${time}${moved}`;
  return `${a.sport.replaceAll('_', ' ')} ${time}${moved}`;
}

function statusText(r: ReportDayRow): string {
  const ratio = r.ratio === null || r.status === 'missed' || r.status === 'unplanned' || r.status === 'upcoming' ? '' : ` ${pct(r.ratio)}`;
  const n = Math.abs(r.dayShift);
  const sign = r.dayShift > 0 ? '+' : '−';
  // Runs done on another day are `moved`; strength done on another day is the session done, moved.
  const shift = r.dayShift === 0 || r.done === null ? '' : r.status === 'moved' ? ` ${sign}${n} day${n === 1 ? '' : 's'}` : `, moved ${sign}${n} d`;
  const verdict = r.verdict === 'too_hard' ? ' — too hard' : r.verdict === 'too_easy' ? ' — too easy' : '';
  const word = r.status === 'missed' ? 'MISSED' : r.status === 'completed' && (verdict !== '' || shift !== '') ? 'done' : r.status;
  return `${word}${verdict}${shift}${ratio}`;
}

/** The week as two rows of cells: hard (H), easy (e) or rest (·) days, +S for strength. */
function weekStrip(m: ReportModel): string[] {
  const cell = (d: ReportDay, hard: boolean, strength: boolean, active: boolean): string => `${hard ? 'H' : active ? 'e' : '·'}${strength ? '+S' : ''}`.padEnd(6);
  const plannedActive = (d: ReportDay): boolean => d.rows.some((r) => r.planned !== null && r.planned.kind !== 'strength');
  const doneActive = (d: ReportDay): boolean => d.rows.some((r) => r.done !== null && r.done.category !== 'strength');
  return [
    `${'Hard days'.padEnd(11)}${m.days.map((d) => short(d.date).slice(0, 3).padEnd(6)).join('')}`.trimEnd(),
    `${'  planned'.padEnd(11)}${m.days.map((d) => cell(d, d.hardPlanned, d.strengthPlanned, plannedActive(d))).join('')}`.trimEnd(),
    `${'  done'.padEnd(11)}${m.days.map((d) => cell(d, d.hardDone, d.strengthDone, doneActive(d))).join('')}`.trimEnd(),
    '  H hard day, e easy day, · rest, +S strength session',
  ];
}

function strengthLine(x: ReportStrengthSession): string {
  const where =
    x.dayType === 'hard_day' ? 'on a hard day' : x.dayType === 'easy_day' ? 'on an easy day' : 'on a rest day';
  const order = x.afterRun === null ? '' : x.afterRun ? ', after the run' : ', before the run';
  const before = x.beforeHardDay ? ', the day before a hard day' : '';
  const flags = x.flagCodes.length === 0 ? '' : ` Flagged: ${x.flagCodes.map((c) => c.replaceAll('_', ' ')).join(', ')}.`;
  return `${dayLabel(x.date)}: ${Math.round(x.minutes)} min ${where}${order}${before}.${flags}`;
}

function trendLine(w: ReportTrendWeek, dist: (m: number) => string): string {
  return `  ${w.isoWeek.padEnd(10)}${dist(w.distanceM).padStart(10)}${(w.plannedDistanceM > 0 ? dist(w.plannedDistanceM) : '—').padStart(10)}${num(
    w.load,
  ).padStart(7)}${num(w.chronic).padStart(9)}${num(w.acute).padStart(9)}${num(w.form).padStart(7)}${num(w.acwr, 2).padStart(7)}`;
}

/** Word-wraps `text` to 80 columns: `first` before the first line, `rest` before the others. */
export function wrap(text: string, first: string, rest: string, width = TEXT_WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = `${rest}${word}`;
    } else {
      line = empty ? `${line}${word}` : `${line} ${word}`;
    }
    empty = false;
  }
  out.push(line);
  return out;
}
