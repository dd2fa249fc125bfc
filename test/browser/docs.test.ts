/**
 * /docs (Swagger UI) in headless Chromium under its Content-Security-Policy (#17 item 11): the page
 * renders the API's operations and the browser reports no violation of the policy. The web pages'
 * own policy is exercised by web-app.test.ts and report.test.ts.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactDir, launchChromium, NO_CHROMIUM } from '../support/browser.ts';
import { createTestApi, type TestApi } from '../support/api.ts';

if (NO_CHROMIUM !== undefined) console.warn(NO_CHROMIUM);

describe.skipIf(NO_CHROMIUM !== undefined)('/docs in Chromium', () => {
  let api: TestApi;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    api = await createTestApi();
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('renders the operations with no Content-Security-Policy violation', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    // Every violation the page meets, as the browser reports it to the page (run in the page: no DOM types here).
    await page.addInitScript({
      content: "window.violations = []; document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    const res = await page.goto(`${base}/docs`);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    await page.screenshot({ path: path.join(artifactDir('docs'), 'docs.png') });
    violations.push(...(await page.evaluate<string[]>('window.violations')));
    expect(violations).toEqual([]);
  });
});
