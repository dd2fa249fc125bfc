import { describe, expect, it } from 'vitest';
import { buildWeeks } from '../../test/support/recommend.ts';
import { recommend } from '../recommend/recommend.ts';
import { buildReport, type ReportModel } from './model.ts';
import { d, input, WEEK } from '../../test/support/report-model.ts';
import { renderReportText, TEXT_WIDTH, wrap } from './text.ts';

function lines(m: ReportModel): string[] {
  const text = renderReportText(m);
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

function expectFits(m: ReportModel): void {
  for (const l of lines(m)) expect([...l].length, l).toBeLessThanOrEqual(TEXT_WIDTH);
}

describe('renderReportText', () => {
  it('fits 80 columns and says every status in words', () => {
    const m = buildReport(input());
    expectFits(m);
    const text = renderReportText(m);
    expect(text).toMatch(/^Weekly report — Test Runner\nWeek 2026-W47: Mon 2026-11-16 to Sun 2026-11-22 \(UTC\)\n/);
    expect(text).toMatch(/\nThu 19 +50 min tempo run +[\d.]+ km 50 min hard +completed 100 %\n/);
    // #18 point 2: the strength session moved Thu → Sat is done, two days later (not missed + unplanned).
    expect(text).toMatch(/\n {7}45 min strength +strength 45 min \(Sat\) +done, moved \+2 d 100 %\n/);
    expect(text).not.toContain('unplanned');
    // #18 point 14: an easy run done too hard says so.
    expect(text).toMatch(/\nWed 18 +45 min easy run +[\d.]+ km 45 min moderate +done — too hard 100 %\n/);
    expect(text).toContain('  done     ·     H+S   e     H     ·     e+S   H');
    expect(text).toMatch(/Sat 2026-11-21: 45 min on an easy day, after the run, the day before a hard\s+day\. Flagged: strength before key session\./);
    // #18 point 2: no strength_skipped for the session moved Thu → Sat; point 11: strength counts its
    // session RPE on the TRIMP scale, so Tuesday's load no longer reads as a 1.52 spike.
    expect(text).toMatch(/FLAGS \(2\)\n {2}WARNING {2}Wed 18 The easy run on Wed 2026-11-18 spent 50 % of its heart-rate\n/);
    expect(text).toContain('target 80 % easy: −1 point (too little easy running)');
    expect(text).toContain('DATA QUALITY');
  });

  it('renders long names, a week without plan or heart rate, and an unfinished week', () => {
    const long = buildReport(
      input({
        athlete: { id: 'a', name: 'Maximiliana Wilhelmina von Hohenzollern-Sigmaringen', units: 'mi', timezone: 'America/Argentina/Buenos_Aires' },
        plan: { name: 'A very long plan name for the spring marathon in a city far away', startDate: d(-63), raceDate: '2027-04-18', endDate: '2027-04-18' },
        failedUploads: Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, filename: `2026-11-1${i}-morning-run-from-the-old-watch.fit`, error: 'bad header', date: d(1) })),
        strava: { status: 'needs_reauthorisation', since: null },
      }),
    );
    expectFits(long);

    const [empty] = buildWeeks([{ isoWeek: WEEK }]);
    const { flags, nextWeek } = recommend({ week: empty!, previousWeek: null, plannedThisWeek: [], plannedNextWeek: [], raceDate: null, taperStart: null });
    const none = buildReport(input({ week: { ...empty!, flags, nextWeek }, planned: [], plan: null, asOf: d(3) }));
    expectFits(none);
    const text = renderReportText(none);
    expect(text).toContain('The week is not over yet');
    expect(text).toContain('Compliance   no plan this week');
    expect(text).toContain('No heart-rate data for the runs this week.');
    expect(text).toContain('No strength session this week.');
    expect(text).toContain('Mon 16 rest');
    expect(text).toContain('Distance     0 km\n');
    // #18 point 14: an empty week says so, and never that it went as a coach would want.
    expect(none.headline.summary).toBe('No plan and no training this week');
    expect(text).toContain('FLAGS: none — but no training was recorded');
  });
});

describe('wrap', () => {
  it('keeps the prefixes and breaks between words', () => {
    expect(wrap('aa bb cc dd', '> ', '  ', 8)).toEqual(['> aa bb', '  cc dd']);
    expect(wrap('', '> ', '  ')).toEqual(['> ']);
    expect(wrap('averyveryverylongword x', '', '', 8)).toEqual(['averyveryverylongword', 'x']);
  });
});
