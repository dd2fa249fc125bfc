/**
 * The web app in headless Chromium (Debian `chromium`, driven by playwright-core): sign in through
 * the fake Strava (a new athlete in the browser's time zone), upload the fixture FIT files and see each one's final status, import a plan, open the
 * report and see its charts, change the time zone and see the week move, delete the account and be
 * signed out with the data gone. Screenshots go to test-artifacts/web/.
 *
 * Skipped (with a message) only when no Chromium is installed: .ci/run installs it.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, FakeStrava, type FakeAthlete } from '../support/fake-strava.ts';
import { FIXTURE_DIR } from '../support/fixtures.ts';
import { createWebTestApp, type WebTestApp } from '../support/web.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = path.resolve('test-artifacts/web');
// Sunday 20:00 UTC: still week 48 in London, already Monday of week 49 in Auckland.
const NOW = new Date('2026-11-29T20:00:00Z');

if (CHROMIUM === undefined) console.warn('browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run does this)');

describe.skipIf(CHROMIUM === undefined)('web app in Chromium', () => {
  let w: WebTestApp;
  let fake: FakeStrava;
  let runner: FakeAthlete;
  let athleteId: string;
  let browser: Browser;
  let page: Page;
  let base: string;

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await new FakeStrava({ clock: new FakeClock(NOW) }).start();
    runner = fake.addAthlete({ firstname: 'Browser', lastname: 'Runner', sex: 'F' });
    w = await createWebTestApp({ at: NOW, env: fake.env() });
    await w.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ timezoneId: 'Europe/London', viewport: { width: 1024, height: 800 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await w?.close();
    await fake?.stop();
  });

  it('signs in through Strava: a new athlete, in the browser time zone', async () => {
    fake.authorizeAs = { athleteId: runner.id };
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Sign in with Strava' }).click();
    // Kinetic → Strava's authorize page (the fake answers at once as `runner`) → the callback.
    await page.waitForURL(/\/auth\/strava\/callback\?/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Strava connected');
    expect(await page.locator('body').textContent()).toContain('Browser Runner');
    await page.getByRole('link', { name: 'Open Kinetic' }).click();
    await page.waitForURL(`${base}/app`);
    const connection = await w.t.db.selectFrom('strava_connections').select('athlete_id').where('strava_athlete_id', '=', runner.id).executeTakeFirstOrThrow();
    athleteId = connection.athlete_id;
    const athlete = await w.t.db.selectFrom('athletes').select(['name', 'timezone']).where('id', '=', athleteId).executeTakeFirstOrThrow();
    expect(athlete).toEqual({ name: 'Browser Runner', timezone: 'Europe/London' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This week');
    expect(await page.getByTestId('iso-week').textContent()).toBe('2026-W48');
    await shot('01-dashboard');
    // Keyboard: the first Tab reaches the skip link, which moves focus to the main content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    // Phone width: the navigation wraps, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await page.getByRole('link', { name: 'Settings' }).isVisible()).toBe(true);
    await shot('01-dashboard-phone');
    await page.setViewportSize({ width: 1024, height: 800 });
  });

  it('uploads the fixture FIT files and shows each final status', async () => {
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.fit')).sort();
    await page.getByRole('link', { name: 'Uploads' }).click();
    await page.getByLabel(/FIT files/).setInputFiles(files.map((f) => path.join(FIXTURE_DIR, f)));
    await page.getByRole('button', { name: 'Upload' }).click();
    const rows = page.locator('[data-uploads] li');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(files.length);
    await expect.poll(() => page.locator('[data-uploads] li[data-pending]').count(), { timeout: 120_000 }).toBe(0);
    const statuses: Record<string, string | null> = {};
    for (let i = 0; i < files.length; i++) {
      const row = rows.nth(i);
      statuses[(await row.locator('.name').textContent()) ?? ''] = await row.getAttribute('data-status');
    }
    for (const f of files) expect(statuses[f], f).toBe(f.startsWith('corrupt-') ? 'failed' : 'imported');
    await shot('02-uploads');
  });

  it('imports a plan', async () => {
    const file = path.join(tmpdir(), `kinetic-browser-plan-${process.pid}.yaml`);
    writeFileSync(
      file,
      [
        'name: Browser test plan',
        'start: 2026-11-23',
        'units: km',
        'sessions:',
        '  - { week: 1, day: tue, kind: easy, distance: 8 km }',
        '  - { week: 1, day: wed, kind: strength, duration: 40 min }',
        '  - { week: 1, day: thu, kind: tempo, distance: 10 km }',
        '  - { week: 1, day: sun, kind: long, distance: 22 km }',
        '  - { week: 2, day: tue, kind: easy, distance: 8 km }',
        '',
      ].join('\n'),
    );
    await page.getByRole('link', { name: 'Plan' }).click();
    await page.getByLabel(/YAML or CSV file/).setInputFiles(file);
    await page.getByRole('button', { name: 'Import plan' }).click();
    await expect.poll(async () => (await page.getByRole('status').allTextContents()).join(' ')).toContain('Imported');
    expect(await page.getByTestId('plan-name').textContent()).toContain('Browser test plan');
    expect(await page.locator('summary', { hasText: '2026-W48 (this week)' }).count()).toBe(1);
    await shot('03-plan');
  });

  it('opens the report and sees its charts', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('link', { name: /This week so far/ }).click();
    await page.waitForURL(/\/reports\/2026-W48$/);
    const charts = page.locator('svg');
    await expect.poll(() => charts.count()).toBeGreaterThanOrEqual(3);
    // Every chart has a text alternative.
    const labelled = await page.locator('figure:has(figcaption) svg, svg[aria-label], svg:has(title)').count();
    expect(labelled).toBeGreaterThanOrEqual(3);
    await shot('04-report');
    await page.goto(`${base}/app`);
  });

  it('changes the time zone and sees the week move', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Time zone').selectOption('Pacific/Auckland');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => (await page.getByRole('status').allTextContents()).join(' ')).toContain('Settings saved');
    await page.getByRole('link', { name: 'This week' }).click();
    expect(await page.getByTestId('iso-week').textContent()).toBe('2026-W49');
    expect(await page.getByTestId('today').textContent()).toBe('2026-11-30');
    await shot('05-week-moved');
  });

  it('deletes the account: signed out, data gone, Strava access revoked', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Type DELETE to confirm').fill('DELETE');
    await page.getByRole('button', { name: 'Delete my account and data' }).click();
    await page.waitForURL(`${base}/signin?deleted=1`);
    expect((await page.getByRole('status').allTextContents()).join(' ')).toContain('deleted');
    await shot('06-deleted');
    for (const table of ['athletes', 'uploads', 'activities', 'plans', 'web_sessions', 'strava_connections', 'calendar_feeds'] as const) {
      const column = table === 'athletes' ? 'id' : 'athlete_id';
      const rows = await w.t.db.selectFrom(table).select(column).where(column, '=', athleteId).execute();
      expect(rows, table).toHaveLength(0);
    }
    expect(fake.count('deauthorize', 200)).toBe(1);
    await page.goto(`${base}/app`);
    expect(new URL(page.url()).pathname).toBe('/signin');
  });
});
