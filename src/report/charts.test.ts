import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import {
  distanceChart,
  intensityChart,
  loadTrendChart,
  seasonComplianceChart,
  seasonStrengthChart,
  weekStripChart,
  type Chart,
} from './charts.ts';
import { sampleReport } from '../../test/support/report-render.ts';

const model = sampleReport();

/** Elements of ECharts' data items (bars, points), by series index. */
function dataItems(svg: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of svg.matchAll(/ecmeta_series_index="(\d+)" ecmeta_data_index="\d+" ecmeta_ssr_type="chart"(?! ecmeta_silent)/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

function expectAccessibleSvg(chart: Chart): void {
  // Well-formed: resvg's XML parser rejects anything else.
  expect(() => new Resvg(chart.svg)).not.toThrow();
  expect(chart.svg.startsWith(`<svg role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc"`)).toBe(true);
  expect(chart.svg).toContain(`<title id="${chart.id}-title">${chart.title}</title>`);
  expect(chart.svg).toContain(`<desc id="${chart.id}-desc">`);
  expect(chart.summary.length).toBeGreaterThan(40);
  // No JavaScript, no interactivity leftovers, no ids of another chart.
  expect(chart.svg).not.toMatch(/<script|:hover|zr\d+-/);
  for (const m of chart.svg.matchAll(/\sid="([^"]+)"/g)) expect(m[1]!.startsWith(`${chart.id}-`)).toBe(true);
}

describe('distance chart', () => {
  const chart = distanceChart(model.days, 'mi');

  it('is an accessible SVG with one planned and one done bar per day', () => {
    expectAccessibleSvg(chart);
    expect(dataItems(chart.svg)).toEqual(new Map([[0, 7], [1, 7]]));
    // Day labels and distance labels are text, not only bar heights.
    for (const text of ['Tue', 'Sun', '13.8', '12.0', 'Planned', 'Done']) expect(chart.svg).toContain(`>${text}<`);
    // Planned bars carry a pattern, so they differ from done bars without colour.
    expect(chart.svg).toMatch(/<pattern[^>]*id="distance-p\d+"/);
  });

  it('says every day in words', () => {
    expect(chart.summary).toContain('Tue 24 Nov: planned 7.0, done 7.1');
    expect(chart.summary).toContain('Thu 26 Nov: planned 6.0, done 0.0');
    expect(chart.summary).toContain('Mon 23 Nov: no running');
    expect(chart.summary).toContain('Week: 31.2 of 35.0 mi planned.');
  });

  it('uses the athlete units', () => {
    const km = distanceChart(model.days, 'km');
    expect(km.summary).toContain('Week: 50.2 of 56.3 km planned.');
  });
});

describe('intensity chart', () => {
  it('shows the week against the 80/20 target, labelled in percent', () => {
    const chart = intensityChart(model.intensity);
    expectAccessibleSvg(chart);
    for (const text of ['72 %', '18 %', '10 %', '80 %', '20 %', 'This week', 'Target 80/20']) expect(chart.svg).toContain(`>${text}<`);
    expect(chart.summary).toContain('zones 1–2 (easy) 72 %, zone 3 (moderate) 18 %, zones 4–5 (hard) 10 %');
    expect(chart.summary).toContain('8 points below the target');
  });

  it('says so when there is no heart rate', () => {
    const chart = intensityChart({ ...model.intensity, secondsWithHr: 0, low: 0, moderate: 0, high: 0 });
    expectAccessibleSvg(chart);
    expect(chart.svg).toContain('No heart-rate data this week');
    expect(chart.summary).toContain('no heart-rate data');
    // Only the target row has bars.
    expect(dataItems(chart.svg)).toEqual(new Map([[0, 1], [2, 1]]));
  });
});

describe('load trend chart', () => {
  it('draws fitness, fatigue, form and ACWR over 8 weeks with the ACWR limit', () => {
    const chart = loadTrendChart(model.load.days, { acwrLimit: 1.5 });
    expectAccessibleSvg(chart);
    // 56 form bars; lines are one path each.
    expect(dataItems(chart.svg).get(0)).toBe(56);
    for (const text of ['Fitness 57', 'Fatigue 54', 'ACWR limit 1.5', '5 Oct', '23 Nov']) expect(chart.svg).toContain(`>${text}<`);
    // Fatigue is dashed and ACWR dotted: line style, not only colour.
    expect(chart.svg).toMatch(/stroke="#D55E00"[^>]*stroke-dasharray/);
    expect(chart.summary).toContain('fitness (chronic load) 38 → 57');
    expect(chart.summary).toContain('ACWR) now 0.95, highest 1.15 on 10 Oct');
  });

  it('leaves gaps before the load series starts and marks days', () => {
    const days = model.load.days.map((d, i) => (i < 20 ? { ...d, acute: null, chronic: null, form: null, acwr: null } : d));
    const chart = loadTrendChart(days, { acwrLimit: 1.3, markers: [{ date: days[50]!.date, label: 'Today' }] });
    expectAccessibleSvg(chart);
    expect(chart.summary).toMatch(/^Training load from 25 Oct to 29 Nov/);
    expect(chart.summary).toContain('Marked: Today 24 Nov.');
    expect(chart.svg).toContain('>Today<');
  });

  it('says when there is no load at all', () => {
    const empty = model.load.days.map((d) => ({ ...d, acute: null, chronic: null, form: null, acwr: null }));
    expect(loadTrendChart(empty, { acwrLimit: 1.5 }).summary).toBe('No training load recorded between 5 Oct and 29 Nov.');
  });
});

describe('week strip', () => {
  it('marks hard days, easy days, rest, missed sessions and strength minutes with text', () => {
    const chart = weekStripChart(model.days, model.strength);
    expectAccessibleSvg(chart);
    // Series: hard 2, easy 2, missed 1, rest 2, strength 1, strength missed 1.
    expect(dataItems(chart.svg)).toEqual(new Map([[0, 2], [1, 2], [2, 1], [3, 2], [4, 1], [5, 1]]));
    for (const text of ['Hard', 'Easy', 'Hard missed', 'Rest', '47 min', 'Missed']) expect(chart.svg).toContain(`>${text}<`);
    expect(chart.summary).toContain('Tue: hard run; strength 47 min after the run');
    expect(chart.summary).toContain('Thu: hard run planned, missed; strength planned, missed');
    expect(chart.summary).toContain('2 hard days, strength on 1 day.');
  });
});

describe('season charts', () => {
  const weeks = [
    { isoWeek: '2026-W46', planWeek: 4, compliancePct: 92, strengthPlanned: 2, strengthDone: 2 },
    { isoWeek: '2026-W47', planWeek: 5, compliancePct: 64, strengthPlanned: 2, strengthDone: 0 },
    { isoWeek: '2026-W48', planWeek: 6, compliancePct: null, strengthPlanned: 1, strengthDone: 1 },
  ];

  it('compliance: one labelled bar per scored week and the 80 % line', () => {
    const chart = seasonComplianceChart(weeks);
    expectAccessibleSvg(chart);
    // A week without a score has an empty bar, labelled n/a.
    expect(dataItems(chart.svg).get(0)).toBe(3);
    for (const text of ['92', '64', 'n/a', 'Wk 4', 'Wk 6', '80 % on plan']) expect(chart.svg).toContain(`>${text}<`);
    expect(chart.summary).toContain('Wk 5 (2026-W47) 64 %; Wk 6 (2026-W48) no score. Average 78 %.');
  });

  it('strength: planned and done per week, the minimum line', () => {
    const chart = seasonStrengthChart(weeks);
    expectAccessibleSvg(chart);
    expect(chart.svg).toContain('>minimum 1<');
    expect(chart.summary).toContain('Wk 5 0 of 2');
    expect(chart.summary).toContain('At least one session in 2 of 3 weeks.');
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same input, whatever was rendered before', () => {
    const a = distanceChart(model.days, 'mi');
    weekStripChart(model.days, model.strength);
    loadTrendChart(model.load.days, { acwrLimit: 1.5 });
    const b = distanceChart(model.days, 'mi');
    expect(b.svg).toBe(a.svg);
  });

  it('prefixes ids with the chart id, so two charts of one page do not clash', () => {
    const a = distanceChart(model.days, 'mi', { id: 'one' });
    const b = distanceChart(model.days, 'mi', { id: 'two' });
    expect(a.svg.replaceAll('one-', 'two-').replaceAll('data-chart="one"', 'data-chart="two"')).toBe(b.svg);
  });

  it('rejects an id that is not safe in a page', () => {
    expect(() => distanceChart(model.days, 'mi', { id: 'x"y' })).toThrow(/chart id/);
  });
});
