/**
 * The report's charts, rendered server-side as SVG with ECharts (SSR, SVG renderer). Pure functions
 * of plain typed inputs — slices of the report model — so the same chart is in the web page, the
 * email (as PNG: src/email/png.ts) and the tests.
 *
 * Every chart is:
 * - deterministic: no animation, and ECharts' per-instance ids (`zr<N>-…`, which grow with every
 *   chart rendered in the process) are replaced by the chart's own id, so the same input gives the
 *   same bytes, and several charts can be inlined in one page without id clashes;
 * - accessible: the root `<svg>` has `role="img"`, a `<title>` and a `<desc>` with a text summary of
 *   the data (also returned as `summary`, for captions and alt text); colour is never the only
 *   signal — series differ by pattern (decals), line style, marker shape and text labels.
 */
import type { BarSeriesOption, EChartsOption } from 'echarts';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { metresPerUnit, type PlanUnits } from '../domain/units.ts';
import { weekdayLabel, type Weekday } from '../domain/iso-week.ts';
import type { ReportDay, ReportIntensity, ReportModel, ReportStrength, ReportTrendDay } from './model.ts';
import type { SeasonModel } from './season.ts';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

/** A rendered chart: the SVG and what a reader without it needs. */
export interface Chart {
  /** Prefix of every id inside the SVG; unique within a page. */
  id: string;
  title: string;
  /** The chart's content in words: the SVG's `<desc>`, a caption, an image's alt text. */
  summary: string;
  svg: string;
  width: number;
  height: number;
}

export interface ChartOptions {
  /** Id prefix (letters, digits, `-`), default the chart's kind; give different ids to charts of one page. */
  id?: string;
  width?: number;
  height?: number;
}

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), plus greys. */
const COLOR = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  sky: '#56B4E9',
  grey: '#8C8C8C',
  light: '#D9D9D9',
  text: '#1F1F1F',
  muted: '#555555',
} as const;

/** DejaVu Sans first: it is what the PNG renderer (src/email/png.ts) finds on a Debian machine (docs/report.md, "PNG and fonts"). */
export const CHART_FONT = "'DejaVu Sans', Verdana, Arial, sans-serif";

type Decal = Exclude<NonNullable<NonNullable<BarSeriesOption['itemStyle']>['decal']>, 'none'>;

/** Patterns that tell series apart without colour. */
const STRIPES: Decal = { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: -Math.PI / 4, color: 'rgba(0,0,0,0.35)' };
const DOTS: Decal = { symbol: 'circle', symbolSize: 0.7, dashArrayX: [[4, 4]], dashArrayY: [4, 4], color: 'rgba(0,0,0,0.35)' };
const CROSS: Decal = { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4, color: 'rgba(255,255,255,0.6)' };

// ---------------------------------------------------------------------------------------------------
// Rendering

const ID = /^[a-z][a-z0-9-]*$/;

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Renders an ECharts option to a deterministic, labelled SVG. */
function render(spec: { id: string; title: string; summary: string; width: number; height: number }, option: EChartsOption): Chart {
  if (!ID.test(spec.id)) throw new RangeError(`chart id "${spec.id}" must be lower-case letters, digits and "-", starting with a letter`);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height });
  let raw: string;
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: CHART_FONT, color: COLOR.text }, ...option });
    raw = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  const svg = raw
    // Hover styles are for the interactive chart; the page has no JavaScript.
    .replace(/<style[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    // zrender numbers its instances: give the ids the chart's own, stable prefix.
    .replace(/zr\d+-/g, `${spec.id}-`)
    .replace(
      /^<svg /,
      `<svg role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc" data-chart="${spec.id}" `,
    )
    .replace(/^(<svg[^>]*>)/, `$1\n<title id="${spec.id}-title">${escapeXml(spec.title)}</title>\n<desc id="${spec.id}-desc">${escapeXml(spec.summary)}</desc>`);
  return { ...spec, svg };
}

// ---------------------------------------------------------------------------------------------------
// Formatting

const round1 = (x: number): number => Math.round(x * 10) / 10;
const dayOfMonth = (date: string): number => Number(date.slice(8, 10));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `5 Oct` */
export const shortDate = (date: string): string => `${dayOfMonth(date)} ${MONTHS[Number(date.slice(5, 7)) - 1] ?? '?'}`;
const short = (day: Weekday): string => weekdayLabel(day).slice(0, 3);
const pct = (fraction: number): number => Math.round(fraction * 100);
/** A bar label that hides zeros and nulls. */
const barLabel = (digits: number) => (p: { value?: unknown }): string => (typeof p.value === 'number' && p.value !== 0 ? p.value.toFixed(digits) : '');

function legend(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { top: 4, right: 8, itemGap: 14, textStyle: { color: COLOR.text, fontSize: 12 }, ...extra };
}

// ---------------------------------------------------------------------------------------------------
// Planned vs done distance per day

export type DistanceDay = Pick<ReportDay, 'date' | 'weekday' | 'plannedDistanceM' | 'doneDistanceM'>;

/** Grouped bars per day: planned (grey, striped) and done (blue, solid), each labelled with its distance. */
export function distanceChart(days: readonly DistanceDay[], units: PlanUnits, opts: ChartOptions = {}): Chart {
  const per = metresPerUnit(units);
  const planned = days.map((d) => round1(d.plannedDistanceM / per));
  const done = days.map((d) => round1(d.doneDistanceM / per));
  const total = (metres: (d: DistanceDay) => number): string => (days.reduce((n, d) => n + metres(d), 0) / per).toFixed(1);
  const parts = days.map((d, i) => {
    const p = planned[i]!;
    const a = done[i]!;
    const what = p === 0 && a === 0 ? 'no running' : `planned ${p.toFixed(1)}, done ${a.toFixed(1)}`;
    return `${short(d.weekday)} ${shortDate(d.date)}: ${what}`;
  });
  const summary = `Running distance per day in ${units}, planned and done. ${parts.join('; ')}. Week: ${total((d) => d.doneDistanceM)} of ${total((d) => d.plannedDistanceM)} ${units} planned.`;
  const label = { show: true, position: 'top' as const, fontSize: 11, color: COLOR.text, formatter: barLabel(1) };
  return render(
    { id: opts.id ?? 'distance', title: 'Planned vs done distance per day', summary, width: opts.width ?? 640, height: opts.height ?? 280 },
    {
      legend: legend(),
      grid: { left: 48, right: 16, top: 40, bottom: 44 },
      xAxis: {
        type: 'category',
        data: days.map((d) => `${short(d.weekday)}\n${dayOfMonth(d.date)}`),
        axisTick: { show: false },
        axisLabel: { color: COLOR.text, fontSize: 12, lineHeight: 15 },
      },
      yAxis: { type: 'value', name: units, nameTextStyle: { color: COLOR.muted }, axisLabel: { color: COLOR.muted }, splitLine: { lineStyle: { color: '#EEEEEE' } } },
      series: [
        { name: 'Planned', type: 'bar', data: planned, barGap: '10%', itemStyle: { color: COLOR.light, borderColor: COLOR.grey, borderWidth: 1, decal: STRIPES }, label },
        { name: 'Done', type: 'bar', data: done, itemStyle: { color: COLOR.blue }, label },
      ],
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Intensity distribution vs the 80/20 target

export type IntensityInput = Pick<ReportIntensity, 'secondsWithHr' | 'low' | 'moderate' | 'high' | 'target'>;

/**
 * Two 100 % bars: this week's run time with heart rate by zone (1–2 easy, 3 moderate, 4–5 hard) and
 * the target (80/20: at least 80 % easy, the rest harder). Each segment carries its percentage.
 */
export function intensityChart(intensity: IntensityInput, opts: ChartOptions = {}): Chart {
  const hasHr = intensity.secondsWithHr > 0;
  const low = pct(intensity.low);
  const moderate = pct(intensity.moderate);
  const high = pct(intensity.high);
  const tLow = pct(intensity.target.low);
  const tHigh = pct(intensity.target.high);
  const week = hasHr
    ? `This week: zones 1–2 (easy) ${low} %, zone 3 (moderate) ${moderate} %, zones 4–5 (hard) ${high} % of run time with heart rate.`
    : 'This week: no heart-rate data, so no intensity split.';
  const gap = hasHr ? (low >= tLow ? ` Easy share is ${low - tLow} points above the target.` : ` Easy share is ${tLow - low} points below the target.`) : '';
  const summary = `${week} Target: at least ${tLow} % easy (zones 1–2), at most ${tHigh} % in zones 3–5.${gap}`;
  const label = (p: { value?: unknown }): string => (typeof p.value === 'number' && p.value >= 4 ? `${p.value} %` : '');
  // White text with a dark outline stays readable on every segment and pattern.
  const onDark = { show: true, color: '#FFFFFF', fontWeight: 'bold' as const, textBorderColor: COLOR.text, textBorderWidth: 2 };
  // Rows bottom to top: the target, then this week (read first).
  const row = (thisWeek: number | null, target: number | null): (number | null)[] => [target, hasHr ? thisWeek : null];
  return render(
    { id: opts.id ?? 'intensity', title: 'Intensity distribution vs the 80/20 target', summary, width: opts.width ?? 640, height: opts.height ?? 190 },
    {
      legend: legend({ left: 8, right: undefined }),
      grid: { left: 90, right: 24, top: 40, bottom: 28 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %', color: COLOR.muted }, splitLine: { lineStyle: { color: '#EEEEEE' } } },
      yAxis: { type: 'category', data: ['Target 80/20', 'This week'], axisTick: { show: false }, axisLabel: { color: COLOR.text, fontSize: 12 } },
      series: [
        { name: 'Zones 1–2 easy', type: 'bar', stack: 'zones', data: row(low, tLow), itemStyle: { color: COLOR.green }, label: { ...onDark, formatter: label } },
        { name: 'Zone 3 moderate', type: 'bar', stack: 'zones', data: row(moderate, null), itemStyle: { color: COLOR.orange, decal: DOTS }, label: { ...onDark, formatter: label } },
        { name: 'Zones 4–5 hard', type: 'bar', stack: 'zones', data: row(high, tHigh), itemStyle: { color: COLOR.vermillion, decal: CROSS }, label: { ...onDark, formatter: label } },
      ],
      ...(hasHr ? {} : { title: { text: 'No heart-rate data this week', right: 24, top: 62, textStyle: { fontSize: 12, fontWeight: 'normal', color: COLOR.muted } } }),
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Load and form trend

export type TrendDay = Pick<ReportTrendDay, 'date' | 'acute' | 'chronic' | 'form' | 'acwr'>;

export interface LoadTrendOptions extends ChartOptions {
  /** ACWR above this is a load spike: drawn as a labelled line. */
  acwrLimit: number;
  /** Labelled vertical lines, e.g. today and race day (dates must be among `days`). */
  markers?: readonly { date: string; label: string }[];
  title?: string;
}

/**
 * Daily fitness (chronic load, solid), fatigue (acute, dashed) and form (fitness − fatigue, grey
 * bars) on the left axis; ACWR (dotted, right axis) with the limit line. Days without data are gaps.
 */
export function loadTrendChart(days: readonly TrendDay[], opts: LoadTrendOptions): Chart {
  const known = days.filter((d) => d.chronic !== null);
  const first = known[0];
  const last = known.at(-1);
  const maxAcwr = Math.max(0, ...known.map((d) => d.acwr ?? 0));
  const peak = known.find((d) => d.acwr === maxAcwr && maxAcwr > 0);
  const fmt = (x: number | null): string => (x === null ? '—' : String(Math.round(x)));
  const summary =
    first === undefined || last === undefined
      ? `No training load recorded between ${shortDate(days[0]?.date ?? '1970-01-01')} and ${shortDate(days.at(-1)?.date ?? '1970-01-01')}.`
      : `Training load from ${shortDate(first.date)} to ${shortDate(last.date)}: fitness (chronic load) ${fmt(first.chronic)} → ${fmt(last.chronic)}, ` +
        `fatigue (acute load) ${fmt(first.acute)} → ${fmt(last.acute)}, form ${fmt(first.form)} → ${fmt(last.form)}. ` +
        `Acute:chronic ratio (ACWR) now ${last.acwr === null ? '—' : last.acwr.toFixed(2)}, highest ${maxAcwr.toFixed(2)}${peak === undefined ? '' : ` on ${shortDate(peak.date)}`}; ` +
        `above ${opts.acwrLimit} is a load spike (${maxAcwr > opts.acwrLimit ? 'reached' : 'not reached'}).` +
        (opts.markers === undefined || opts.markers.length === 0 ? '' : ` Marked: ${opts.markers.map((m) => `${m.label} ${shortDate(m.date)}`).join(', ')}.`);
  const dates = days.map((d) => d.date);
  const mondays = new Set(days.filter((_, i) => i % 7 === 0).map((d) => d.date));
  const endLabel = (name: string) => ({ show: true, formatter: (p: { value?: unknown }) => (typeof p.value === 'number' ? `${name} ${Math.round(p.value)}` : ''), fontSize: 11 });
  const markers = opts.markers ?? [];
  return render(
    { id: opts.id ?? 'load', title: opts.title ?? 'Load and form, last 8 weeks', summary, width: opts.width ?? 640, height: opts.height ?? 300 },
    {
      legend: legend({ left: 8, right: undefined }),
      grid: { left: 44, right: 96, top: 60, bottom: 32 },
      xAxis: {
        type: 'category',
        data: dates,
        axisTick: { show: false },
        axisLabel: { color: COLOR.muted, interval: (_: number, value: string) => mondays.has(value), formatter: (v: string) => shortDate(v) },
      },
      yAxis: [
        { type: 'value', name: 'load', nameTextStyle: { color: COLOR.muted }, axisLabel: { color: COLOR.muted }, splitLine: { lineStyle: { color: '#EEEEEE' } } },
        { type: 'value', name: 'ACWR', min: 0, max: Math.max(2, Math.ceil(maxAcwr * 2) / 2), nameTextStyle: { color: COLOR.muted }, axisLabel: { color: COLOR.muted }, splitLine: { show: false } },
      ],
      series: [
        { name: 'Form', type: 'bar', data: days.map((d) => d.form), barCategoryGap: '30%', itemStyle: { color: '#BDBDBD', decal: STRIPES } },
        { name: 'Fitness', type: 'line', data: days.map((d) => d.chronic), showSymbol: false, connectNulls: false, lineStyle: { color: COLOR.blue, width: 3, type: 'solid' }, itemStyle: { color: COLOR.blue }, endLabel: endLabel('Fitness') },
        { name: 'Fatigue', type: 'line', data: days.map((d) => d.acute), showSymbol: false, connectNulls: false, lineStyle: { color: COLOR.vermillion, width: 2, type: 'dashed' }, itemStyle: { color: COLOR.vermillion }, endLabel: endLabel('Fatigue') },
        {
          name: 'ACWR',
          type: 'line',
          yAxisIndex: 1,
          data: days.map((d) => d.acwr),
          showSymbol: false,
          connectNulls: false,
          lineStyle: { color: COLOR.purple, width: 2, type: 'dotted' },
          itemStyle: { color: COLOR.purple },
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: COLOR.purple, type: 'dashed' },
            label: { formatter: `ACWR limit ${opts.acwrLimit}`, position: 'insideEndTop', color: COLOR.text, fontSize: 11 },
            data: [{ yAxis: opts.acwrLimit }],
          },
        },
        ...(markers.length === 0
          ? []
          : [
              {
                name: 'markers',
                type: 'line' as const,
                data: [],
                markLine: {
                  silent: true,
                  symbol: 'none',
                  lineStyle: { color: COLOR.text, type: 'solid' as const, width: 1 },
                  label: { position: 'insideEndTop' as const, color: COLOR.text, fontSize: 11 },
                  data: markers.map((m) => ({ xAxis: m.date, label: { formatter: m.label } })),
                },
              },
            ]),
      ],
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Week strip: hard days and strength sessions

export type StripDay = Pick<ReportDay, 'date' | 'weekday' | 'plannedDistanceM' | 'doneDistanceM' | 'hardPlanned' | 'hardDone' | 'strengthPlanned' | 'strengthDone'>;
export type StripStrength = Pick<ReportStrength, 'sessions'>;

type RunMark = 'hard' | 'hard-missed' | 'easy' | 'missed' | 'rest';
type StrengthMark = 'strength' | 'strength-missed' | 'none';

function runMark(d: StripDay): RunMark {
  if (d.hardDone) return 'hard';
  if (d.hardPlanned && d.doneDistanceM === 0) return 'hard-missed';
  if (d.doneDistanceM > 0) return 'easy';
  if (d.plannedDistanceM > 0) return 'missed';
  return 'rest';
}

function strengthMark(d: StripDay): StrengthMark {
  if (d.strengthDone) return 'strength';
  if (d.strengthPlanned) return 'strength-missed';
  return 'none';
}

/**
 * Seven columns, Monday to Sunday, two rows: runs (triangle = hard, circle = easy, hollow = planned
 * but missed, "Rest") and strength (square with its minutes; hollow = planned but missed). Every mark
 * has a text label.
 */
export function weekStripChart(days: readonly StripDay[], strength: StripStrength, opts: ChartOptions = {}): Chart {
  const cats = days.map((d) => `${short(d.weekday)} ${dayOfMonth(d.date)}`);
  const minutes = (date: string): number => Math.round(strength.sessions.filter((s) => s.date === date).reduce((n, s) => n + s.minutes, 0));
  const after = (date: string): boolean => strength.sessions.some((s) => s.date === date && s.afterRun === true);
  const runText: Record<RunMark, string> = { hard: 'hard run', 'hard-missed': 'hard run planned, missed', easy: 'easy run', missed: 'run planned, missed', rest: 'no run' };
  const parts = days.map((d) => {
    const s = strengthMark(d);
    const st = s === 'strength' ? `; strength ${minutes(d.date)} min${after(d.date) ? ' after the run' : ''}` : s === 'strength-missed' ? '; strength planned, missed' : '';
    return `${short(d.weekday)}: ${runText[runMark(d)]}${st}`;
  });
  const hardDays = days.filter((d) => d.hardDone).length;
  const strengthDays = days.filter((d) => d.strengthDone).length;
  const summary = `Hard days and strength sessions, Monday to Sunday. ${parts.join('. ')}. ${hardDays} hard ${hardDays === 1 ? 'day' : 'days'}, strength on ${strengthDays} ${strengthDays === 1 ? 'day' : 'days'}.`;

  const points = <M extends string>(
    mark: (d: StripDay) => M,
    want: M,
    row: string,
    text: (d: StripDay) => string,
    symbol?: string,
  ): { value: [string, string]; label: { formatter: string }; symbol?: string }[] =>
    days
      .filter((d) => mark(d) === want)
      .map((d) => ({ value: [`${short(d.weekday)} ${dayOfMonth(d.date)}`, row], label: { formatter: text(d) }, ...(symbol === undefined ? {} : { symbol }) }));
  const base = { type: 'scatter' as const, symbolSize: 20, label: { show: true, position: 'bottom' as const, distance: 6, fontSize: 11, color: COLOR.text } };
  const hollow = (color: string) => ({ color: '#FFFFFF', borderColor: color, borderWidth: 2, borderType: 'dashed' as const, opacity: 1 });
  return render(
    { id: opts.id ?? 'week-strip', title: 'Hard days and strength sessions', summary, width: opts.width ?? 640, height: opts.height ?? 190 },
    {
      legend: legend({ left: 8, right: undefined, itemWidth: 14, itemHeight: 14 }),
      grid: { left: 72, right: 16, top: 48, bottom: 34 },
      xAxis: { type: 'category', data: cats, position: 'bottom', axisTick: { show: false }, axisLabel: { color: COLOR.text, fontSize: 12 }, splitLine: { show: true, lineStyle: { color: '#EEEEEE' } } },
      yAxis: { type: 'category', data: ['Strength', 'Run'], axisTick: { show: false }, axisLabel: { color: COLOR.text, fontSize: 12 }, splitLine: { show: false } },
      series: [
        { ...base, name: 'Hard run', symbol: 'triangle', itemStyle: { color: COLOR.vermillion, opacity: 1 }, data: points(runMark, 'hard', 'Run', () => 'Hard') },
        { ...base, name: 'Easy run', symbol: 'circle', itemStyle: { color: COLOR.blue, opacity: 1 }, data: points(runMark, 'easy', 'Run', () => 'Easy') },
        {
          ...base,
          name: 'Missed',
          symbol: 'triangle',
          itemStyle: hollow(COLOR.vermillion),
          data: [...points(runMark, 'hard-missed', 'Run', () => 'Hard missed'), ...points(runMark, 'missed', 'Run', () => 'Missed', 'circle')],
        },
        // A short grey dash: a rest day.
        { ...base, name: 'Rest', symbol: 'rect', symbolSize: [16, 3], itemStyle: { color: COLOR.grey, opacity: 1 }, data: points(runMark, 'rest', 'Run', () => 'Rest') },
        { ...base, name: 'Strength', symbol: 'rect', symbolSize: 18, itemStyle: { color: COLOR.green, opacity: 1 }, data: points(strengthMark, 'strength', 'Strength', (d) => `${minutes(d.date)} min`) },
        { ...base, name: 'Strength missed', symbol: 'rect', symbolSize: 18, itemStyle: hollow(COLOR.green), data: points(strengthMark, 'strength-missed', 'Strength', () => 'Missed') },
      ],
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Season: compliance and strength per week

export interface SeasonChartWeek {
  isoWeek: string;
  /** Week of the plan (1 = first), null outside it. */
  planWeek: number | null;
  /** Null when nothing but rest was planned, or the week has no analysis. */
  compliancePct: number | null;
  strengthPlanned: number;
  strengthDone: number;
}

const weekName = (w: SeasonChartWeek): string => (w.planWeek === null ? w.isoWeek.slice(5) : `Wk ${w.planWeek}`);

/** One bar per week with its compliance percentage; a labelled line at the 80 % band. */
export function seasonComplianceChart(weeks: readonly SeasonChartWeek[], opts: ChartOptions = {}): Chart {
  const scored = weeks.filter((w) => w.compliancePct !== null);
  const mean = scored.length === 0 ? null : Math.round(scored.reduce((n, w) => n + w.compliancePct!, 0) / scored.length);
  const summary =
    weeks.length === 0
      ? 'No plan weeks yet.'
      : `Compliance per week of the plan so far: ${weeks.map((w) => `${weekName(w)} (${w.isoWeek}) ${w.compliancePct === null ? 'no score' : `${w.compliancePct} %`}`).join('; ')}.` +
        (mean === null ? '' : ` Average ${mean} %. 80 % or more is on plan.`);
  return render(
    { id: opts.id ?? 'season-compliance', title: 'Compliance per week', summary, width: opts.width ?? 640, height: opts.height ?? 260 },
    {
      grid: { left: 48, right: 24, top: 28, bottom: 36 },
      xAxis: { type: 'category', data: weeks.map(weekName), axisTick: { show: false }, axisLabel: { color: COLOR.text, fontSize: 11 } },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %', color: COLOR.muted }, splitLine: { lineStyle: { color: '#EEEEEE' } } },
      series: [
        {
          name: 'Compliance',
          type: 'bar',
          // A week without a score: an empty bar labelled n/a (ECharts draws no label for a null value).
          data: weeks.map((w) => (w.compliancePct === null ? { value: 0, label: { formatter: 'n/a' } } : w.compliancePct)),
          itemStyle: { color: COLOR.blue },
          label: { show: true, position: 'top', fontSize: 11, color: COLOR.text, formatter: '{c}' },
          markLine: { silent: true, symbol: 'none', lineStyle: { color: COLOR.green, type: 'dashed', width: 2 }, label: { formatter: '80 % on plan', position: 'insideEndTop', color: COLOR.text, fontSize: 11 }, data: [{ yAxis: 80 }] },
        },
      ],
    },
  );
}

/** Strength sessions per week, planned (grey, striped) and done (green), with the one-a-week minimum. */
export function seasonStrengthChart(weeks: readonly SeasonChartWeek[], opts: ChartOptions = {}): Chart {
  const met = weeks.filter((w) => w.strengthDone >= 1).length;
  const summary =
    weeks.length === 0
      ? 'No plan weeks yet.'
      : `Strength sessions per week, done of planned: ${weeks.map((w) => `${weekName(w)} ${w.strengthDone} of ${w.strengthPlanned}`).join('; ')}. ` +
        `At least one session in ${met} of ${weeks.length} weeks.`;
  const label = { show: true, position: 'top' as const, fontSize: 11, color: COLOR.text, formatter: (p: { value?: unknown }) => (typeof p.value === 'number' ? `${p.value}` : '') };
  const top = Math.max(2, ...weeks.map((w) => Math.max(w.strengthDone, w.strengthPlanned)));
  return render(
    { id: opts.id ?? 'season-strength', title: 'Strength sessions per week', summary, width: opts.width ?? 640, height: opts.height ?? 240 },
    {
      legend: legend(),
      grid: { left: 40, right: 24, top: 40, bottom: 36 },
      xAxis: { type: 'category', data: weeks.map(weekName), axisTick: { show: false }, axisLabel: { color: COLOR.text, fontSize: 11 } },
      yAxis: { type: 'value', min: 0, max: top + 1, minInterval: 1, axisLabel: { color: COLOR.muted }, splitLine: { lineStyle: { color: '#EEEEEE' } } },
      series: [
        { name: 'Planned', type: 'bar', data: weeks.map((w) => w.strengthPlanned), itemStyle: { color: COLOR.light, borderColor: COLOR.grey, borderWidth: 1, decal: STRIPES }, label },
        {
          name: 'Done',
          type: 'bar',
          data: weeks.map((w) => w.strengthDone),
          itemStyle: { color: COLOR.green },
          label,
          markLine: { silent: true, symbol: 'none', lineStyle: { color: COLOR.text, type: 'dashed' }, label: { formatter: 'minimum 1', position: 'insideEndTop', color: COLOR.text, fontSize: 11 }, data: [{ yAxis: 1 }] },
        },
      ],
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// The charts of a page

export interface ReportCharts {
  distance: Chart;
  weekStrip: Chart;
  intensity: Chart;
  load: Chart;
}

/** The four charts of a weekly report, with page-unique ids. */
export function reportCharts(m: Pick<ReportModel, 'athlete' | 'days' | 'strength' | 'intensity' | 'load'>): ReportCharts {
  return {
    distance: distanceChart(m.days, m.athlete.units, { id: 'chart-distance' }),
    weekStrip: weekStripChart(m.days, m.strength, { id: 'chart-week' }),
    intensity: intensityChart(m.intensity, { id: 'chart-intensity' }),
    load: loadTrendChart(m.load.days, { id: 'chart-load', acwrLimit: m.load.acwrLimit }),
  };
}

export interface SeasonCharts {
  compliance: Chart;
  strength: Chart;
  load: Chart;
}

/** The three charts of the season view. */
export function seasonCharts(s: Pick<SeasonModel, 'plan' | 'weeks' | 'load'>): SeasonCharts {
  return {
    compliance: seasonComplianceChart(s.weeks, { id: 'chart-compliance' }),
    strength: seasonStrengthChart(s.weeks, { id: 'chart-strength' }),
    load: loadTrendChart(s.load.days, {
      id: 'chart-season-load',
      acwrLimit: s.load.acwrLimit,
      markers: s.load.markers,
      title: s.plan?.raceDate === null || s.plan === null ? 'Load and form this season' : 'Load and form to race day',
    }),
  };
}
