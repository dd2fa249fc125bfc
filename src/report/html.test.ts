import { describe, expect, it } from 'vitest';
import { ancestors, byTag, find, findAll, parseHtml, text, type Element } from '../../test/support/html.ts';
import { reportCharts } from './charts.ts';
import { dateRange, renderReportHtml, renderReportIndexHtml, renderSeasonHtml } from './html.ts';
import { sampleReport } from '../../test/support/report-render.ts';
import { buildSeason } from './season.ts';

const model = sampleReport();
const html = renderReportHtml(model, {
  links: { reports: '/athletes/a/reports', season: '/athletes/a/season', json: '?format=json', settings: 'https://kinetic.example/settings' },
  generatedAt: new Date('2026-11-30T07:00:00Z'),
});
const doc = parseHtml(html);

/** Checks what every page must have: document frame, landmarks, headings, no scripts or outside resources, unique ids. */
function expectAccessiblePage(page: string, root: Element): void {
  expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
  expect(find(root, (e) => e.tag === 'meta' && e.attrs.name === 'viewport').attrs.content).toBe('width=device-width, initial-scale=1');
  expect(find(root, (e) => e.tag === 'meta' && 'charset' in e.attrs).attrs.charset).toBe('utf-8');
  expect(text(find(root, byTag('title'))).length).toBeGreaterThan(5);
  for (const landmark of ['header', 'main', 'footer']) expect(findAll(root, byTag(landmark))).toHaveLength(1);
  expect(findAll(root, byTag('h1'))).toHaveLength(1);
  // Every section is labelled by its own h2.
  for (const s of findAll(root, byTag('section'))) {
    const heading = find(s, byTag('h2'));
    expect(s.attrs['aria-labelledby']).toBe(heading.attrs.id);
  }
  // The skip link points at main.
  expect(find(root, (e) => e.tag === 'a' && e.attrs.class === 'skip').attrs.href).toBe(`#${find(root, byTag('main')).attrs.id}`);
  // Self-contained: no JavaScript, no outside resources.
  expect(findAll(root, (e) => e.tag === 'script' || e.tag === 'link' || e.tag === 'iframe')).toHaveLength(0);
  expect(findAll(root, (e) => Object.keys(e.attrs).some((a) => a.startsWith('on')))).toHaveLength(0);
  expect(page).not.toMatch(/(src|href)="(https?:)?\/\/[^"]*\.(js|css|png|svg|woff2?)"/);
  expect(page).not.toMatch(/@import|url\(http/);
  const ids = findAll(root, (e) => 'id' in e.attrs).map((e) => e.attrs.id);
  expect(new Set(ids).size).toBe(ids.length);
  // Responsive: narrow screens get their own rules, tables scroll instead of overflowing the page.
  expect(page).toContain('@media (max-width:30rem)');
  for (const t of findAll(root, byTag('table'))) expect(t.parent?.attrs.class).toBe('table-wrap');
}

/** Every table has a caption, column headers and a header cell per row. */
function expectTableHeaders(root: Element): void {
  for (const t of findAll(root, byTag('table'))) {
    expect(text(find(t, byTag('caption'))).length).toBeGreaterThan(3);
    const head = find(t, byTag('thead'));
    for (const cell of findAll(head, byTag('th'))) expect(cell.attrs.scope).toBe('col');
    for (const row of findAll(find(t, byTag('tbody')), byTag('tr'))) {
      const first = row.children.find((c): c is Element => typeof c !== 'string');
      expect(first?.tag).toBe('th');
      expect(first?.attrs.scope).toBe('row');
    }
  }
}

describe('weekly report page', () => {
  it('is a well-formed, self-contained, accessible page', () => {
    expectAccessiblePage(html, doc);
    expectTableHeaders(doc);
    // #18 point 14: the heading gives the overall band (the worst part), not a weighted score read as "% of plan".
    expect(text(find(doc, byTag('h1')))).toBe('Week 2026-W48: off plan');
    const h2 = findAll(doc, byTag('h2')).map((e) => text(e));
    expect(h2).toEqual([
      'Summary',
      'Day by day',
      'Hard days and strength',
      'Intensity',
      'Load and form, last 8 weeks',
      'Flags (2)',
      'Next week (2026-W49): strength',
      'Data quality',
    ]);
  });

  it('escapes what the athlete wrote', () => {
    expect(html).toContain('Ada &lt;Runner&gt; &amp; Co');
    expect(html).not.toContain('Ada <Runner>');
    expect(text(find(doc, byTag('title')))).toBe('Week 2026-W48 — Ada <Runner> & Co — Kinetic');
  });

  it('has the four charts inline, each with a title, a description and a caption saying the same', () => {
    const figures = findAll(doc, byTag('figure'));
    expect(figures).toHaveLength(4);
    const charts = reportCharts(model);
    const expected = [charts.distance, charts.weekStrip, charts.intensity, charts.load];
    figures.forEach((f, k) => {
      const svg = find(f, byTag('svg'));
      expect(svg.attrs.role).toBe('img');
      const [titleId, descId] = svg.attrs['aria-labelledby']!.split(' ');
      expect(text(find(svg, (e) => e.attrs.id === titleId))).toBe(expected[k]!.title);
      expect(text(find(svg, (e) => e.attrs.id === descId))).toBe(expected[k]!.summary);
      expect(text(find(f, byTag('figcaption')))).toBe(expected[k]!.summary);
      // Scales to the screen: a viewBox, and CSS sets width 100 %.
      expect(svg.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
    });
  });

  it('shows every status as an icon and a word, never by colour alone', () => {
    const badges = findAll(doc, (e) => e.tag === 'span' && (e.attrs.class ?? '').startsWith('badge'));
    expect(badges.length).toBeGreaterThan(8);
    for (const b of badges) {
      const icon = find(b, (e) => e.attrs.class === 'icon');
      expect(icon.attrs['aria-hidden']).toBe('true');
      // What a screen reader reads (icon hidden) is a word, not empty.
      expect(text(b, { skipHidden: true })).toMatch(/[A-Za-z0-9]{2,}/);
    }
    const statuses = findAll(find(doc, byTag('table')), byTag('tr'))
      .map((r) => findAll(r, byTag('td')).at(-1))
      .filter((c): c is Element => c !== undefined)
      .map((c) => text(c, { skipHidden: true }));
    // #18 point 14: an easy run done too hard is "done — too hard", not a green "Done".
    expect(statuses).toEqual(['', 'Done (101 %)', 'Done (104 %)', 'Done — too hard (103 %)', 'Missed', 'Missed', '', 'Done (102 %)', 'More than planned (115 %)']);
    expect(text(find(doc, (e) => e.attrs.class === 'headline'), { skipHidden: true })).toBe('Off plan');
    expect(findAll(doc, (e) => e.tag === 'ul' && e.attrs.class === 'parts').flatMap((ul) => findAll(ul, byTag('li')).map((li) => text(li, { skipHidden: true })))).toEqual([
      'On plan Volume: 89 % of the planned distance',
      'Partly off plan Key sessions: 2 of 3 done as planned',
      'Off plan Easy days easy: 1 of 1 easy runs too hard',
      'Partly off plan Strength: 1 of 2 sessions; minimum of 40 min met; 1 planned missed',
    ]);
  });

  it('lists flags with severity word, day, message and what to do', () => {
    const items = findAll(find(doc, (e) => e.tag === 'ul' && e.attrs.class === 'flags'), byTag('li'));
    expect(items.map((li) => findAll(li, byTag('p')).map((p) => text(p, { skipHidden: true })))).toEqual([
      ['Critical Thu 26 Nov — The planned strength session on Thursday was skipped.', 'What to do: Keep the strength session next Tuesday, after the intervals.'],
      ['Warning Wed 25 Nov — Wednesday’s easy run spent 34 % of its time above zone 2.', 'What to do: Slow down on easy days: stay under 150 bpm.'],
    ]);
  });

  it('has the links it was given, in the navigation and the footer', () => {
    const nav = find(doc, byTag('nav'));
    expect(nav.attrs['aria-label']).toBe('Report pages');
    expect(findAll(nav, byTag('a')).map((a) => [a.attrs.href, text(a)])).toEqual([
      ['/athletes/a/reports', 'All weekly reports'],
      ['/athletes/a/season', 'Season so far'],
    ]);
    const footer = find(doc, byTag('footer'));
    expect(findAll(footer, byTag('a')).map((a) => a.attrs.href)).toEqual(['?format=json', 'https://kinetic.example/settings']);
    expect(text(footer)).toContain('Generated 2026-11-30 07:00 UTC');
  });

  it('is deterministic', () => {
    expect(renderReportHtml(model, { generatedAt: new Date('2026-11-30T07:00:00Z') })).toBe(renderReportHtml(model, { generatedAt: new Date('2026-11-30T07:00:00Z') }));
  });

  it('for email: charts as images with alt text instead of SVG', () => {
    const page = renderReportHtml(model, { image: (c) => `cid:${c.id}@kinetic` });
    const root = parseHtml(page);
    expect(findAll(root, byTag('svg'))).toHaveLength(0);
    const imgs = findAll(root, byTag('img'));
    expect(imgs.map((i) => i.attrs.src)).toEqual(['cid:chart-distance@kinetic', 'cid:chart-week@kinetic', 'cid:chart-intensity@kinetic', 'cid:chart-load@kinetic']);
    for (const img of imgs) {
      expect(img.attrs.alt!.length).toBeGreaterThan(40);
      expect(ancestors(img)[0]!.tag).toBe('figure');
    }
  });

  it('handles a week without a plan, without heart rate and still under way', () => {
    const bare = sampleReport({
      plan: null,
      week: { ...model.week, complete: false },
      headline: { ...model.headline, compliancePct: null, complianceBand: null, summary: 'No plan this week — 31.2 mi run, strength 1' },
      intensity: { ...model.intensity, secondsWithHr: 0, low: 0, moderate: 0, high: 0, lowVsTargetPts: null },
      flags: [],
      dataQuality: { activitiesWithoutHr: [], failedUploads: [], strava: null, notes: [] },
    });
    const page = renderReportHtml(bare);
    const root = parseHtml(page);
    expectAccessiblePage(page, root);
    expect(text(find(root, byTag('h1')))).toBe('Week 2026-W48: no plan');
    expect(text(root)).toContain('The week is not over yet');
    expect(text(root)).toContain('No heart-rate data for the runs this week.');
    // #18 points 1 and 14: an unfinished week does not claim it went as a coach would want.
    expect(text(root, { skipHidden: true })).toContain('None so far — flags about the whole week wait for Sunday.');
    expect(text(root, { skipHidden: true })).not.toContain('as a coach would want');
    expect(findAll(root, byTag('h2')).map((e) => text(e))).not.toContain('Data quality');
  });
});

describe('index of reports', () => {
  it('links every week, newest first, with compliance as a word', () => {
    const page = renderReportIndexHtml(
      { name: 'Ada' },
      [
        { isoWeek: '2026-W48', from: '2026-11-23', to: '2026-11-29', compliancePct: 78, band: 'yellow', summary: '78 % of plan', generatedAt: new Date(0), href: '/r/2026-W48' },
        { isoWeek: '2026-W47', from: '2026-11-16', to: '2026-11-22', compliancePct: null, band: null, summary: 'No plan', generatedAt: new Date(0), href: '/r/2026-W47' },
      ],
      { season: '/season' },
    );
    const root = parseHtml(page);
    expectAccessiblePage(page, root);
    expectTableHeaders(root);
    expect(findAll(find(root, byTag('tbody')), byTag('a')).map((a) => [a.attrs.href, text(a)])).toEqual([
      ['/r/2026-W48', '2026-W48'],
      ['/r/2026-W47', '2026-W47'],
    ]);
    expect(text(find(root, byTag('tbody')), { skipHidden: true })).toContain('Partly off plan');
  });

  it('says when there is no report yet', () => {
    expect(text(parseHtml(renderReportIndexHtml({ name: 'Ada' }, [])))).toContain('No weekly report yet');
  });
});

describe('season page', () => {
  const season = buildSeason({
    athlete: { id: 'a', name: 'Ada', units: 'km', timezone: 'UTC' },
    plan: { name: 'Spring', startDate: '2026-11-02', raceDate: '2027-01-31', endDate: '2027-01-31' },
    asOf: '2026-11-25',
    weeks: [],
    loadDays: [],
    acwrLimit: 1.5,
  });

  it('has the three charts and a table with a row per plan week so far', () => {
    const page = renderSeasonHtml(season, { links: { reports: '/r', reportOf: (w) => `/r/${w}` } });
    const root = parseHtml(page);
    expectAccessiblePage(page, root);
    expectTableHeaders(root);
    expect(findAll(root, byTag('figure'))).toHaveLength(3);
    expect(findAll(find(root, byTag('tbody')), byTag('tr'))).toHaveLength(4);
    expect(text(find(root, byTag('h1')))).toBe('Spring: season so far');
    expect(text(root)).toContain('race day 31 January 2027 (in 67 days)');
    expect(text(find(root, byTag('tbody')))).toContain('Week 4 · 2026-W48 (so far)');
  });
});

describe('dateRange', () => {
  it('names the month and year once when they are shared', () => {
    expect(dateRange('2026-11-23', '2026-11-29')).toBe('23–29 November 2026');
    expect(dateRange('2026-11-30', '2026-12-06')).toBe('30 November – 6 December 2026');
    expect(dateRange('2026-12-28', '2027-01-03')).toBe('28 December 2026 – 3 January 2027');
  });
});
