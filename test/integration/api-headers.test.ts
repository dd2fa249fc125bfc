/**
 * Security headers on every response (#17 item 11), through the real server over HTTP: nosniff and a
 * Content-Security-Policy that forbids framing on the web pages (which keep their own policy), /docs
 * (Swagger UI's own policy), the JSON API, a 404 and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthleteViaApi } from '../support/api.ts';
import { createWebTestApp, type WebTestApp } from '../support/web.ts';

const API_CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";

describe('security headers on every response', () => {
  let w: WebTestApp;
  let base: string;
  let athleteId: string;

  beforeAll(async () => {
    w = await createWebTestApp();
    athleteId = (await createAthleteViaApi(w.app)).id;
    base = await w.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function headersOf(path: string, init: RequestInit = {}): Promise<{ status: number; type: string; headers: Headers }> {
    const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
    await res.arrayBuffer();
    return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers };
  }

  it.each([
    ['the sign-in page (/)', '/', 200, 'text/html'],
    ['Swagger UI (/docs)', '/docs', 200, 'text/html'],
    ['the OpenAPI document', '/docs/json', 200, 'application/json'],
    ['an API JSON route', '/healthz', 200, 'application/json'],
    ['a 404', '/no/such/route', 404, 'application/json'],
    ['a 401 (no token)', `/athletes/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, 401, 'application/json'],
    ['a 400 (bad parameter)', '/calendar/x%00.ics', 400, 'application/json'],
    ['a 400 (an address Fastify cannot decode)', '/athletes/%E0%A4%A', 400, 'application/json'],
    ['a redirect', '/app/nowhere', 303, ''],
    ['a web page error (a form without its CSRF token)', '/signin', 403, 'text/html', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.c' }],
  ] as [string, string, number, string, RequestInit?][])('%s: nosniff and a CSP with frame-ancestors', async (_what, path, status, type, init) => {
    const res = await headersOf(path, init);
    expect(res.status).toBe(status);
    expect(res.type).toContain(type);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'none'/);
    if (type === 'application/json' && !path.startsWith('/docs')) {
      expect(csp).toBe(API_CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('the web pages keep their own policy (their stylesheet and script load), /docs has Swagger UI’s', async () => {
    const page = await headersOf('/signin');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    const docs = await headersOf('/docs');
    expect(docs.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    const asset = await headersOf('/docs/static/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    // A report page (inline styles of its own): its own policy too.
    const report = await headersOf(`/athletes/${athleteId}/reports/2026-W01`, { headers: { authorization: 'Bearer nope' } });
    expect(report.status).toBe(401);
    expect(report.headers.get('content-security-policy')).toBe(API_CSP);
  });

  it('no HSTS over plain http (KINETIC_PUBLIC_URL is not https)', async () => {
    const res = await headersOf('/healthz');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
