/**
 * The weekly report, the index of reports and the season view as complete, self-contained HTML pages:
 * inline CSS, charts as inline SVG (or, for email, `<img>` with a `cid:` source), no JavaScript, no
 * external resources. Accessible: landmarks, one `h1` and a heading per section, tables with headers
 * and captions, every chart with a text alternative (its summary as caption and in the SVG), every
 * status shown as an icon and a word, never by colour alone. Responsive: one column, tables scroll
 * sideways on narrow screens, charts scale to the width.
 */
import { displayDistance, displayDuration, type PlanUnits } from '../domain/units.ts';
import { weekdayLabel, weekdayOf } from '../domain/iso-week.ts';
import type { Severity } from '../recommend/types.ts';
import { reportCharts, seasonCharts, shortDate, type Chart, type ReportCharts } from './charts.ts';
import type { ComplianceBand } from '../domain/analysis.ts';
import type { ReportComplianceParts, ReportDayRow, ReportModel, ReportTrendWeek } from './model.ts';
import { loadReading, partLines } from './parts.ts';
import { crossTrainingText } from './text.ts';
import type { SeasonModel } from './season.ts';

// ---------------------------------------------------------------------------------------------------
// Escaping and small formatters

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A trusted HTML fragment (already escaped). */
interface Html {
  readonly html: string;
}
const raw = (html: string): Html => ({ html });
const join = (parts: readonly (string | Html)[]): string => parts.map((p) => (typeof p === 'string' ? esc(p) : p.html)).join('');
/** Tagged template: interpolated strings are escaped, `Html` fragments are not. */
function h(strings: TemplateStringsArray, ...values: (string | number | Html | readonly Html[] | null | undefined)[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    if (v === null || v === undefined) out += '';
    else if (Array.isArray(v)) out += (v as readonly Html[]).map((x) => x.html).join('');
    else if (typeof v === 'object') out += (v as Html).html;
    else out += esc(v);
    out += strings[i + 1]!;
  });
  return raw(out);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const day = (date: string): string => `${weekdayLabel(weekdayOf(date))} ${shortDate(date)}`;
/** `18 April 2027` */
const longDate = (date: string): string => `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1] ?? '?'} ${date.slice(0, 4)}`;
/** `23–29 November 2026`, `30 November – 6 December 2026`, `29 December 2025 – 4 January 2026` */
export function dateRange(from: string, to: string): string {
  if (from.slice(0, 7) === to.slice(0, 7)) return `${Number(from.slice(8, 10))}–${longDate(to)}`;
  if (from.slice(0, 4) === to.slice(0, 4)) return `${longDate(from).slice(0, -5)} – ${longDate(to)}`;
  return `${longDate(from)} – ${longDate(to)}`;
}
const num = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits).replace(/^-/, '−'));
const pct = (fraction: number): string => `${Math.round(fraction * 100)} %`;

// ---------------------------------------------------------------------------------------------------
// Status vocabulary: icon + word + class (the class only adds colour)


const BAND_TEXT: Record<ComplianceBand, { icon: string; word: string }> = {
  green: { icon: '✓', word: 'On plan' },
  yellow: { icon: '◐', word: 'Partly off plan' },
  orange: { icon: '✗', word: 'Well off plan' },
  red: { icon: '✗', word: 'Off plan' },
};

const STATUS_TEXT: Record<ReportDayRow['status'], { icon: string; word: string }> = {
  completed: { icon: '✓', word: 'Done' },
  partial: { icon: '◐', word: 'Partly done' },
  exceeded: { icon: '▲', word: 'More than planned' },
  moved: { icon: '↔', word: 'Moved' },
  missed: { icon: '✗', word: 'Missed' },
  unplanned: { icon: '+', word: 'Unplanned' },
  upcoming: { icon: '○', word: 'Upcoming' },
  excused: { icon: '–', word: 'Excused (unavailable)' },
};

const SEVERITY_TEXT: Record<Severity, { icon: string; word: string }> = {
  critical: { icon: '⛔', word: 'Critical' },
  warning: { icon: '⚠', word: 'Warning' },
  info: { icon: 'ℹ', word: 'Note' },
};

function badge(kind: string, icon: string, word: string, extra = ''): Html {
  return h`<span class="badge ${kind}"><span class="icon" aria-hidden="true">${icon}</span> ${word}${extra}</span>`;
}

// ---------------------------------------------------------------------------------------------------
// Page frame

const CSS = `
:root{--text:#1f1f1f;--muted:#555;--line:#d9d9d9;--bg:#fff;--panel:#f6f7f9;--link:#0b57a4;
--green:#e3f4ec;--green-b:#00795a;--yellow:#fff4d6;--yellow-b:#8a5a00;--orange:#fde7dc;--orange-b:#a63c00;--red:#fbe2e2;--red-b:#a11d1d;--info:#e6f0fa;--info-b:#0b57a4}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
a{color:var(--link)}
a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:1rem;z-index:1}
header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.25rem;padding-bottom:.5rem;border-bottom:1px solid var(--line)}
.eyebrow{margin:0;color:var(--muted);font-size:.875rem;text-transform:uppercase;letter-spacing:.06em}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
p{margin:.5rem 0}
.sub{color:var(--muted);margin:.25rem 0}
nav ul{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.headline{font-size:1.15rem;font-weight:600;margin:1rem 0 .5rem}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;border:1px solid currentColor;font-weight:600;white-space:nowrap}
.badge .icon{font-weight:700}
.green{background:var(--green);color:var(--green-b)}.yellow{background:var(--yellow);color:var(--yellow-b)}
.orange{background:var(--orange);color:var(--orange-b)}.red{background:var(--red);color:var(--red-b)}
.critical{background:var(--red);color:var(--red-b)}.warning{background:var(--yellow);color:var(--yellow-b)}.info{background:var(--info);color:var(--info-b)}
.neutral{background:var(--panel);color:var(--text)}
dl.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.5rem;margin:1rem 0}
dl.figures div{background:var(--panel);border-radius:.4rem;padding:.5rem .75rem}
dl.figures dt{color:var(--muted);font-size:.875rem}
dl.figures dd{margin:0;font-size:1.1rem;font-weight:600}
figure{margin:1rem 0}
figure svg,figure img{display:block;width:100%;height:auto;max-width:640px}
figcaption{color:var(--muted);font-size:.875rem;margin-top:.25rem}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.75rem 0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid var(--line)}
thead th{border-bottom:2px solid var(--text);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
ul.flags{list-style:none;padding:0}
ul.flags li{border-left:4px solid var(--line);padding:.25rem .75rem;margin:.75rem 0}
ul.flags li.critical{border-color:var(--red-b);background:none;color:inherit}
ul.flags li.warning{border-color:var(--yellow-b);background:none;color:inherit}
ul.flags li.info{border-color:var(--info-b);background:none;color:inherit}
.todo{margin:.25rem 0 0}
details{margin:.5rem 0}
summary{cursor:pointer;color:var(--link)}
button{font:inherit;padding:.5rem 1rem;border-radius:.3rem;border:1px solid var(--text);background:var(--panel);cursor:pointer}
footer{margin-top:2.5rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--line);color:var(--muted);font-size:.875rem}
@media (max-width:30rem){body{font-size:15px}h1{font-size:1.35rem}th,td{padding:.35rem .3rem}}
@media print{.skip,nav{display:none}h2{break-after:avoid}figure,table{break-inside:avoid}}
`;

interface PageParts {
  title: string;
  eyebrow: string;
  heading: string;
  sub: Html[];
  nav: { href: string; label: string }[];
  main: Html;
  footer: Html;
}

function page(p: PageParts): string {
  const nav =
    p.nav.length === 0
      ? raw('')
      : h`<nav aria-label="Report pages"><ul>${p.nav.map((l) => h`<li><a href="${l.href}">${l.label}</a></li>`)}</ul></nav>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${esc(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header>
<p class="eyebrow">${esc(p.eyebrow)}</p>
<h1>${esc(p.heading)}</h1>
${p.sub.map((s) => `<p class="sub">${s.html}</p>`).join('\n')}
${nav.html}
</header>
<main id="main">
${p.main.html}
</main>
<footer>
${p.footer.html}
</footer>
</body>
</html>
`;
}

function section(id: string, title: string, body: (Html | null)[]): Html {
  return h`<section aria-labelledby="${id}">\n<h2 id="${id}">${title}</h2>\n${body.filter((b): b is Html => b !== null)}\n</section>\n`;
}

function figure(chart: Chart, image: HtmlOptions['image']): Html {
  // The caption carries the summary; the SVG has it as <desc>, the image as alt text.
  const body = image === undefined ? raw(chart.svg) : h`<img src="${image(chart)}" alt="${chart.summary}" width="${chart.width}" height="${chart.height}">`;
  return h`<figure>\n${body}\n<figcaption>${chart.summary}</figcaption>\n</figure>\n`;
}

function table(caption: string, head: Html[], rows: Html[][]): Html {
  return h`<div class="table-wrap"><table>\n<caption>${caption}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.map((r) => h`<tr>${r}</tr>\n`)}</tbody>\n</table></div>\n`;
}

const th = (text: string, cls = ''): Html => h`<th scope="col"${raw(cls === '' ? '' : ` class="${cls}"`)}>${text}</th>`;
const td = (content: string | Html, cls = ''): Html => raw(`<td${cls === '' ? '' : ` class="${cls}"`}>${join([content])}</td>`);

// ---------------------------------------------------------------------------------------------------
// Weekly report

export interface HtmlLinks {
  /** The index of the athlete's reports. */
  reports?: string;
  season?: string;
  /** This report as JSON. */
  json?: string;
  /** The web page of this report (for email: "open in the browser"). */
  web?: string;
  /** Notification settings and unsubscribe. */
  settings?: string;
}

export interface HtmlOptions {
  /** Charts rendered already (the email renders them once for the HTML and the PNGs). */
  charts?: ReportCharts;
  /** Show charts as `<img src>` (email: `cid:` of an attached PNG) instead of inline SVG. */
  image?: (chart: Chart) => string;
  links?: HtmlLinks;
  /** When the stored report was generated; shown in the footer. */
  generatedAt?: Date;
}

export function renderReportHtml(m: ReportModel, opts: HtmlOptions = {}): string {
  const charts = opts.charts ?? reportCharts(m);
  const units = m.athlete.units;
  const dist = (metres: number): string => displayDistance(metres, units);
  const links = opts.links ?? {};
  const hd = m.headline;

  const sub: Html[] = [h`${m.athlete.name} · ${dateRange(m.week.from, m.week.to)} (${m.athlete.timezone})`];
  if (m.plan !== null) {
    const wk = m.plan.weekNumber === null ? '' : `, week ${m.plan.weekNumber} of ${m.plan.totalWeeks}`;
    sub.push(h`Plan: ${m.plan.name}${wk}${m.plan.raceDate === null ? '' : ` · race day ${longDate(m.plan.raceDate)}`}`);
  }

  const soFar = hd.soFar ? ' so far' : '';
  const status =
    hd.complianceBand === null
      ? badge('neutral', '○', hd.compliancePct === null ? 'No plan this week' : `Nothing due yet${soFar}`)
      : badge(hd.complianceBand, BAND_TEXT[hd.complianceBand].icon, `${BAND_TEXT[hd.complianceBand].word}${soFar}`);
  const flagsToFix = hd.flags.critical + hd.flags.warning;
  const figures = h`<dl class="figures">
<div><dt>Distance${soFar}</dt><dd>${dist(hd.distance.done.metres)}${hd.distance.planned.metres > 0 ? ` of ${dist(hd.distance.planned.metres)}` : ''}</dd></div>
<div><dt>Run time</dt><dd>${displayDuration(hd.runTime.doneS)}${hd.runTime.plannedS > 0 ? ` of ${displayDuration(hd.runTime.plannedS)}` : ''}</dd></div>
<div><dt>Sessions done</dt><dd>${hd.sessions.completed} of ${hd.sessions.planned}</dd></div>
<div><dt>Key sessions</dt><dd>${hd.sessions.keyCompleted} of ${hd.sessions.keyPlanned}</dd></div>
<div><dt>Strength sessions</dt><dd>${hd.strength.done} of ${hd.strength.planned}</dd></div>
${m.crossTraining === undefined ? null : h`<div><dt>Cross-training</dt><dd>${crossTrainingText(m.crossTraining, dist)}</dd></div>
`}<div><dt>To fix</dt><dd>${flagsToFix === 0 ? 'nothing' : `${flagsToFix} ${flagsToFix === 1 ? 'flag' : 'flags'}`}</dd></div>
</dl>\n`;
  const summary = section('summary', 'Summary', [
    h`<p class="headline">${status}</p>\n`,
    h`<p>${hd.summary}</p>\n`,
    partsList(hd.parts),
    m.week.complete ? null : h`<p><span aria-hidden="true">⏳</span> The week is not over yet: flags about the whole week wait for Sunday.</p>\n`,
    figures,
  ]);

  // Day by day
  const rows: Html[][] = [];
  for (const d of m.days) {
    const label = h`<th scope="row">${day(d.date)}${d.unavailable === undefined ? '' : ` · unavailable (${d.unavailable})`}</th>`;
    if (d.rows.length === 0) {
      rows.push([label, td(d.unavailable === undefined ? 'Rest' : 'Unavailable'), td('—'), td('')]);
      continue;
    }
    for (const r of d.rows) {
      const st = STATUS_TEXT[r.status];
      const shift = r.dayShift !== 0 && r.done !== null ? ` — moved to ${day(r.done.date)}` : '';
      const verdict = r.verdict === 'too_hard' ? ' — too hard' : r.verdict === 'too_easy' ? ' — too easy' : '';
      const ratio = r.ratio === null || r.status === 'missed' || r.status === 'unplanned' || r.status === 'upcoming' ? '' : ` (${pct(r.ratio)})`;
      // A session done at the wrong intensity is never shown green.
      const cls = r.verdict !== null && (r.band === null || r.band === 'green') ? 'yellow' : (r.band ?? 'neutral');
      rows.push([
        label,
        td(r.planned === null ? '—' : r.planned.text),
        td(r.done === null ? '—' : r.done.text),
        td(badge(cls, st.icon, st.word, `${verdict}${shift}${ratio}`)),
      ]);
    }
  }
  const days = section('days', 'Day by day', [
    figure(charts.distance, opts.image),
    table('Planned and done, day by day', [th('Day'), th('Planned'), th('Done'), th('Status')], rows),
  ]);

  // Hard days and strength
  const s = m.strength;
  const where = { hard_day: 'on a hard day', easy_day: 'on an easy day', rest_day: 'on a rest day' } as const;
  const sessionItems = s.sessions.map((x) => {
    const order = x.afterRun === null ? '' : x.afterRun ? ', after the run' : ', before the run';
    const before = x.beforeHardDay ? ', the day before a hard day' : '';
    const flagged = x.flagCodes.length === 0 ? '' : ` Flagged: ${x.flagCodes.map((c) => c.replaceAll('_', ' ')).join(', ')}.`;
    return h`<li>${day(x.date)}: ${Math.round(x.minutes)} min ${where[x.dayType]}${order}${before}.${flagged}</li>\n`;
  });
  const placement = hd.parts.strength.placementFlags;
  const minimum = !s.minimum.met
    ? badge(hd.soFar ? 'neutral' : 'red', hd.soFar ? '○' : '✗', hd.soFar ? 'Minimum not yet met' : 'Minimum not met', ` — at least 1 session of ${s.minimum.minMinutes} min a week`)
    : placement.length > 0
      ? badge('yellow', '◐', `Minimum met, placement flagged`, ` — ${placement.map((c) => c.replaceAll('_', ' ')).join(', ')}`)
      : badge('green', '✓', `Minimum met`, ` — at least 1 session of ${s.minimum.minMinutes} min`);
  const strength = section('strength', 'Hard days and strength', [
    figure(charts.weekStrip, opts.image),
    h`<p>${s.done.sessions} of ${s.planned.sessions} planned strength ${s.planned.sessions === 1 ? 'session' : 'sessions'}, ${Math.round(s.done.minutes)} of ${Math.round(s.planned.minutes)} min. ${minimum}</p>\n`,
    sessionItems.length === 0 ? h`<p>No strength session this week.</p>\n` : h`<ul>\n${sessionItems}</ul>\n`,
    h`<p class="sub">Hard days done: ${s.hardDays.done.length === 0 ? 'none' : s.hardDays.done.map(day).join(', ')}; planned: ${
      s.hardDays.planned.length === 0 ? 'none' : s.hardDays.planned.map(day).join(', ')
    }.</p>\n`,
  ]);

  // Intensity
  const i = m.intensity;
  const vs = i.lowVsTargetPts;
  const intensityText =
    i.secondsWithHr > 0
      ? h`<p>Easy (zones 1–2) ${pct(i.low)}, moderate (zone 3) ${pct(i.moderate)}, hard (zones 4–5) ${pct(i.high)} of ${displayDuration(i.secondsWithHr)} of running with heart rate. Target: at least ${pct(i.target.low)} easy — ${
          vs === null || vs === 0 ? 'on target' : vs > 0 ? `${vs} points above` : `${-vs} points below, too little easy running`
        }.</p>\n`
      : h`<p>No heart-rate data for the runs this week.</p>\n`;
  const intensityNotes: Html[] = [];
  if (i.easyRunsTooHard > 0) intensityNotes.push(h`<li>Easy runs done too hard: ${i.easyRunsTooHard}</li>`);
  if (i.qualitySessionsTooEasy > 0) intensityNotes.push(h`<li>Quality sessions done too easy: ${i.qualitySessionsTooEasy}</li>`);
  const intensity = section('intensity', 'Intensity', [
    figure(charts.intensity, opts.image),
    intensityText,
    intensityNotes.length === 0 ? null : h`<ul>${intensityNotes}</ul>\n`,
  ]);

  // Load
  const l = m.load;
  const trendRows = l.weeks.map((w: ReportTrendWeek) => [
    h`<th scope="row">${w.isoWeek}</th>`,
    td(dist(w.distanceM), 'num'),
    td(w.plannedDistanceM > 0 ? dist(w.plannedDistanceM) : '—', 'num'),
    td(num(w.load), 'num'),
    td(num(w.chronic), 'num'),
    td(num(w.acute), 'num'),
    td(num(w.form), 'num'),
    td(num(w.acwr, 2), 'num'),
  ]);
  const spike = l.end.acwr !== null && l.end.acwr > l.acwrLimit;
  const reading = loadReading(l);
  const ramp = `Distance vs last week${hd.soFar ? ' (same days)' : ''}: ${l.week.distanceRamp === null ? '—' : `${l.week.distanceRamp >= 0 ? '+' : '−'}${Math.abs(Math.round(l.week.distanceRamp * 100))} %`}.`;
  const acwrClass = { low: 'yellow', sweet_spot: 'green', caution: 'yellow', spike: 'red', building_baseline: 'neutral' } as const;
  const loadText = reading.baseline
    ? h`<p>This week: load ${num(l.week.load)}; fitness, form and ACWR: ${badge('neutral', '○', 'Building baseline', ` — ${reading.band ?? ''}`)}, not yet read as risk. ${ramp}</p>\n`
    : reading.acwr !== null && l.week.acwr !== null
      ? h`<p>This week: load ${num(l.week.load)}; fitness ${num(l.end.chronic)}, fatigue ${num(l.end.acute)}, form ${num(l.end.form)}; ACWR ${reading.acwr} ${badge(acwrClass[l.week.acwr.band], l.week.acwr.band === 'sweet_spot' ? '✓' : '▲', reading.band ?? '')} (7-day over 28-day load at the end of the week). ${ramp}</p>\n`
      : h`<p>This week: load ${num(l.week.load)}; fitness ${num(l.end.chronic)}, fatigue ${num(l.end.acute)}, form ${num(l.end.form)}; ACWR ${num(l.end.acwr, 2)} ${
          spike ? badge('red', '▲', 'above the limit', ` of ${l.acwrLimit}`) : h`(limit ${l.acwrLimit})`
        }. ${ramp}</p>\n`;
  const load = section('load', `Load and form, last ${l.weeks.length} weeks`, [
    figure(charts.load, opts.image),
    loadText,
    table(
      'Week by week',
      [th('Week'), th('Distance', 'num'), th('Planned', 'num'), th('Load', 'num'), th('Fitness', 'num'), th('Fatigue', 'num'), th('Form', 'num'), th('ACWR', 'num')],
      trendRows,
    ),
    h`<p class="sub">Fitness and fatigue are the 42- and 7-day weighted training loads; form = fitness − fatigue; ACWR = acute:chronic workload ratio.</p>\n`,
  ]);

  // Flags
  const flagItems = m.flags.map((f) => {
    const sv = SEVERITY_TEXT[f.severity];
    return h`<li class="${f.severity}"><p>${badge(f.severity, sv.icon, sv.word)} <strong>${f.date === null ? 'Whole week' : day(f.date)}</strong> — ${f.message}</p><p class="todo"><strong>What to do:</strong> ${f.suggestion}</p></li>\n`;
  });
  const flags = section('flags', m.flags.length === 0 ? 'Flags' : `Flags (${m.flags.length})`, [
    flagItems.length === 0 ? h`<p>${noFlagsText(m)}</p>\n` : h`<ul class="flags">\n${flagItems}</ul>\n`,
  ]);

  // Next week
  const n = m.nextWeek;
  const nextItems = n.strengthDays.map(
    // The reason says where the session sits (after which run) and whether it is optional.
    (d) => h`<li><strong>${day(d.date)}</strong>: ${d.reason}</li>\n`,
  );
  const next = section('next', `Next week (${n.isoWeek}): strength`, [
    nextItems.length === 0 ? h`<p>No day suggested.</p>\n` : h`<ul>\n${nextItems}</ul>\n`,
    n.notes.length === 0 ? null : h`${n.notes.map((x) => h`<p>${x}</p>\n`)}`,
  ]);

  const q = m.dataQuality;
  const quality = q.notes.length === 0 ? null : section('quality', 'Data quality', [h`<ul>\n${q.notes.map((x) => h`<li>${x}</li>\n`)}</ul>\n`]);

  const p = m.physiology;
  const footer: Html[] = [
    h`<p>Heart rate: max ${p.maxHr.value} (${p.maxHr.source}), resting ${p.restingHr.value} (${p.restingHr.source}), threshold ${p.lthr.value} (${p.lthr.source}).</p>\n`,
  ];
  if (opts.generatedAt !== undefined) footer.push(h`<p>Generated ${opts.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC by Kinetic.</p>\n`);
  const footLinks: Html[] = [];
  if (links.web !== undefined) footLinks.push(h`<a href="${links.web}">Open this report in the browser</a>`);
  if (links.json !== undefined) footLinks.push(h`<a href="${links.json}">This report as JSON</a>`);
  if (links.settings !== undefined) footLinks.push(h`<a href="${links.settings}">Email settings and unsubscribe</a>`);
  if (footLinks.length > 0) footer.push(h`<p>${footLinks.map((a, k) => (k === 0 ? a : h` · ${a}`))}</p>\n`);

  const nav: { href: string; label: string }[] = [];
  if (links.reports !== undefined) nav.push({ href: links.reports, label: 'All weekly reports' });
  if (links.season !== undefined) nav.push({ href: links.season, label: 'Season so far' });

  return page({
    title: `Week ${m.week.isoWeek} — ${m.athlete.name} — Kinetic`,
    eyebrow: 'Kinetic weekly report',
    heading: `Week ${m.week.isoWeek}: ${hd.complianceBand === null ? (hd.compliancePct === null ? 'no plan' : 'nothing due yet') : `${BAND_TEXT[hd.complianceBand].word.toLowerCase()}${soFar}`}`,
    sub,
    nav,
    main: h`${[summary, days, strength, intensity, load, flags, next, ...(quality === null ? [] : [quality])]}`,
    footer: h`${footer}`,
  });
}

/** The compliance parts as a list, each with its band. */
function partsList(parts: ReportComplianceParts): Html {
  return h`<ul class="parts">\n${partLines(parts).map((p) => h`<li>${partBadge(p.band)} ${p.label}: ${p.text}</li>\n`)}</ul>\n`;
}

function partBadge(band: ComplianceBand | null): Html {
  return band === null ? badge('neutral', '○', 'Not yet') : badge(band, BAND_TEXT[band].icon, BAND_TEXT[band].word);
}

/** No flags: a good week says so; an empty or unfinished one does not claim it went well. */
function noFlagsText(m: ReportModel): Html {
  const trained = m.days.some((d) => d.rows.some((r) => r.done !== null));
  if (!trained) return h`${badge('neutral', '○', 'None')} — but no training was recorded${m.week.complete ? ' this week' : ' yet'}.`;
  if (!m.week.complete) return h`${badge('neutral', '○', 'None so far')} — flags about the whole week wait for Sunday.`;
  if (m.headline.complianceBand !== null && m.headline.complianceBand !== 'green') return h`${badge('neutral', '○', 'None')} — see the parts above for what was off plan.`;
  return h`${badge('green', '✓', 'None')} — the week went as a coach would want.`;
}

// ---------------------------------------------------------------------------------------------------
// Index of reports

export interface ReportIndexItem {
  isoWeek: string;
  /** Monday and Sunday. */
  from: string;
  to: string;
  compliancePct: number | null;
  band: ComplianceBand | null;
  summary: string;
  generatedAt: Date;
  href: string;
}

export function renderReportIndexHtml(athlete: { name: string }, items: readonly ReportIndexItem[], links: { season?: string } = {}): string {
  const rows = items.map((it) => [
    h`<th scope="row"><a href="${it.href}">${it.isoWeek}</a></th>`,
    td(dateRange(it.from, it.to)),
    // The overall band of the compliance parts, not a weighted score read as "% of plan" (#18 point 14).
    td(it.band === null ? badge('neutral', '○', it.compliancePct === null ? 'No plan' : 'Nothing due') : badge(it.band, BAND_TEXT[it.band].icon, BAND_TEXT[it.band].word)),
    td(it.summary),
  ]);
  const body =
    items.length === 0
      ? h`<p>No weekly report yet. Reports are made every week on the athlete's report day.</p>\n`
      : table('Weekly reports, newest first', [th('Week'), th('Dates'), th('Compliance'), th('Summary')], rows);
  return page({
    title: `Weekly reports — ${athlete.name} — Kinetic`,
    eyebrow: 'Kinetic',
    heading: 'Weekly reports',
    sub: [h`${athlete.name} · ${items.length} ${items.length === 1 ? 'report' : 'reports'}`],
    nav: links.season === undefined ? [] : [{ href: links.season, label: 'Season so far' }],
    main: section('reports', 'Past weeks', [body]),
    footer: h`<p>Kinetic</p>\n`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Season

export function renderSeasonHtml(s: SeasonModel, opts: { links?: { reports?: string; reportOf?: (isoWeek: string) => string } } = {}): string {
  const charts = seasonCharts(s);
  const units: PlanUnits = s.athlete.units;
  const dist = (metres: number): string => displayDistance(metres, units);
  const t = s.totals;
  const sub: Html[] = [h`${s.athlete.name} · as of ${longDate(s.asOf)}`];
  if (s.plan !== null) {
    sub.push(
      h`Plan: ${s.plan.name}, from ${longDate(s.plan.startDate)}${s.plan.raceDate === null ? '' : ` · race day ${longDate(s.plan.raceDate)}`}${
        t.daysToRace === null ? '' : t.daysToRace === 0 ? ' (today)' : ` (in ${t.daysToRace} ${t.daysToRace === 1 ? 'day' : 'days'})`
      }`,
    );
  }
  const figures = h`<dl class="figures">
<div><dt>Weeks</dt><dd>${s.weeks.length}</dd></div>
<div><dt>Average compliance</dt><dd>${t.meanCompliancePct === null ? '—' : `${t.meanCompliancePct} %`}</dd></div>
<div><dt>Strength sessions</dt><dd>${t.strengthSessions} (${Math.round(t.strengthMinutes)} min)</dd></div>
<div><dt>Weeks with strength</dt><dd>${t.weeksWithStrength} of ${s.weeks.length}</dd></div>
</dl>\n`;
  const weekCell = (isoWeek: string): Html => (opts.links?.reportOf === undefined ? h`${isoWeek}` : h`<a href="${opts.links.reportOf(isoWeek)}">${isoWeek}</a>`);
  const rows = s.weeks.map((w) => [
    h`<th scope="row">${w.planWeek === null ? '' : `Week ${w.planWeek} · `}${weekCell(w.isoWeek)}${w.complete ? '' : ' (so far)'}</th>`,
    td(w.compliancePct === null || w.band === null ? badge('neutral', '○', 'No score') : badge(w.band, BAND_TEXT[w.band].icon, `${w.compliancePct} %`)),
    td(w.plannedDistanceM > 0 ? `${dist(w.doneDistanceM)} of ${dist(w.plannedDistanceM)}` : dist(w.doneDistanceM), 'num'),
    td(
      w.strengthDone >= 1 ? badge('green', '✓', `${w.strengthDone} of ${w.strengthPlanned}`) : badge(w.strengthPlanned > 0 ? 'red' : 'neutral', '✗', `0 of ${w.strengthPlanned}`),
    ),
    td(num(w.chronic), 'num'),
    td(num(w.acute), 'num'),
    td(num(w.form), 'num'),
    td(num(w.acwr, 2), 'num'),
  ]);
  const main = [
    section('overview', 'Overview', [
      s.plan === null ? h`<p>No active plan: the last ${s.weeks.length} weeks are shown, without plan targets.</p>\n` : null,
      figures,
    ]),
    section('compliance', 'Compliance per week', [figure(charts.compliance, undefined)]),
    section('strength', 'Strength sessions per week', [figure(charts.strength, undefined)]),
    section('load', charts.load.title, [figure(charts.load, undefined)]),
    section('weeks', 'Week by week', [
      s.weeks.length === 0
        ? h`<p>The plan has not started yet.</p>\n`
        : table(
            'Compliance, distance, strength and load per week',
            [th('Week'), th('Compliance'), th('Distance', 'num'), th('Strength'), th('Fitness', 'num'), th('Fatigue', 'num'), th('Form', 'num'), th('ACWR', 'num')],
            rows,
          ),
    ]),
  ];
  return page({
    title: `Season — ${s.athlete.name} — Kinetic`,
    eyebrow: 'Kinetic season view',
    heading: s.plan === null ? 'Season so far' : `${s.plan.name}: season so far`,
    sub,
    nav: opts.links?.reports === undefined ? [] : [{ href: opts.links.reports, label: 'All weekly reports' }],
    main: h`${main}`,
    footer: h`<p>Load up to ${longDate(s.asOf)}; the curve is empty after today. Fitness and fatigue are the 42- and 7-day weighted training loads.</p>\n`,
  });
}


// ---------------------------------------------------------------------------------------------------
// Email preferences (the unsubscribe link of report emails)

export interface EmailPreferencesPage {
  athleteName: string;
  enabled: boolean;
  /** Where the form posts (the same token-bearing URL). */
  action: string;
  /** A line saying what just changed. */
  notice?: string;
  /** The signed-in settings page (report day and time, email address). */
  settings?: string;
}

export function renderEmailPreferencesHtml(p: EmailPreferencesPage): string {
  const state = p.enabled ? badge('green', '✓', 'On') : badge('neutral', '○', 'Off');
  const button = p.enabled ? 'Stop weekly report emails' : 'Send me weekly report emails again';
  const body = [
    p.notice === undefined ? null : h`<p role="status"><strong>${p.notice}</strong></p>\n`,
    h`<p>Weekly report emails for ${p.athleteName}: ${state}</p>\n`,
    h`<form method="post" action="${p.action}"><input type="hidden" name="reports" value="${p.enabled ? 'off' : 'on'}"><button type="submit">${button}</button></form>\n`,
    p.settings === undefined ? null : h`<p class="sub">Report day, time and email address: <a href="${p.settings}">settings</a> (sign-in needed).</p>\n`,
  ];
  return page({
    title: 'Report emails — Kinetic',
    eyebrow: 'Kinetic',
    heading: 'Report emails',
    sub: [],
    nav: [],
    main: section('prefs', 'Weekly report emails', body),
    footer: h`<p>This page is reached through the link in your report emails; it changes nothing but whether they are sent.</p>\n`,
  });
}
