/**
 * Malformed requests answer 4xx with a message, never 500 (#17 item 10), through the real server
 * over HTTP: multipart bodies cut short or without a boundary, NUL bytes in addresses and fields,
 * plans over Postgres' parameter limit, plan files over the size limit, plans nested without end —
 * and a fuzz of a handful of routes with NUL bytes and malformed bodies.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PLAN_SESSIONS } from '../../src/ingest/plan/fields.ts';
import { MAX_YAML_DEPTH } from '../../src/ingest/plan/yaml.ts';
import { admin, createAthleteViaApi, createTestApi, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { cookieHeader, createWebTestApp, signInByEmail, type Browser, type WebTestApp } from '../support/web.ts';

interface Answer {
  status: number;
  text: string;
  json?: { error?: { code: string; message: string; details?: unknown } };
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Answer['json'];
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    json = undefined;
  }
  return { status: res.status, text, ...(json !== undefined && { json }) };
}

/** One HTTP/1.1 request written on a socket as given (headers fetch would refuse included); the answer. */
function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body: string | Uint8Array): Promise<Answer> {
  const url = new URL(base);
  const payload = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  const head = [`${method} ${path} HTTP/1.1`, `host: ${url.host}`, 'connection: close', `content-length: ${payload.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), payload])));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let json: Answer['json'];
      try {
        json = JSON.parse(bodyText) as Answer['json'];
      } catch {
        json = undefined;
      }
      resolve({ status, text: bodyText, ...(json !== undefined && { json }) });
    });
  });
}

/** A CSV plan of `n` sessions, three a day from 2027-01-04. */
function csvPlan(n: number, notes = ''): string {
  const rows = ['date,order,kind,distance,notes'];
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.UTC(2027, 0, 4) + Math.floor(i / 3) * 86_400_000).toISOString().slice(0, 10);
    rows.push(`${date},${(i % 3) + 1},easy,5 km,${notes}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('malformed requests to the API are 4xx with a message', () => {
  let api: TestApi;
  let me: CreatedAthlete;
  let base: string;

  beforeAll(async () => {
    api = await createTestApi();
    me = await createAthleteViaApi(api.app);
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const send = async (path: string, init: RequestInit = {}): Promise<Answer> => answer(await fetch(`${base}${path}`, init));

  it('a multipart body cut short, or without a boundary, is a 400', async () => {
    const boundary = 'kineticBoundary';
    const cut = await send(`/athletes/${me.id}/uploads`, {
      method: 'POST',
      headers: { ...me.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="run.fit"\r\nContent-Type: application/octet-stream\r\n\r\n.FIT and then nothing`,
    });
    expect(cut.status, cut.text).toBe(400);
    expect(cut.json?.error).toMatchObject({ code: 'bad_request', message: 'the multipart/form-data body could not be read: Unexpected end of multipart data' });

    const noBoundary = await send(`/athletes/${me.id}/uploads`, { method: 'POST', headers: { ...me.headers, 'content-type': 'multipart/form-data' }, body: '--x\r\n' });
    expect(noBoundary.status, noBoundary.text).toBe(400);
    expect(noBoundary.json?.error?.message).toBe('the multipart/form-data body could not be read: Multipart: Boundary not found');
  });

  it('a NUL byte in an address is a 400 before any token is looked at', async () => {
    for (const path of ['/calendar/x%00.ics', `/email/unsubscribe?token=${'a'.repeat(43)}%00`, `/email/preferences?token=%00`, `/athletes/${me.id}/activities?from=2027%00`]) {
      const res = await send(path);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.json?.error).toEqual({ code: 'bad_request', message: 'the address holds a NUL byte (%00): no parameter takes one' });
    }
    const post = await send(`/email/unsubscribe?token=${'a'.repeat(43)}%00`, { method: 'POST' });
    expect(post.status, post.text).toBe(400);
  });

  it('a NUL character in a JSON field is a 400 naming the field', async () => {
    const res = await send(`/athletes/${me.id}`, { method: 'PATCH', headers: { ...me.headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a\u0000b' }) });
    expect(res.status, res.text).toBe(400);
    expect(res.json?.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body.name', message: 'must not contain a NUL character (\\u0000)' }] });
    const nested = await send(`/athletes/${me.id}`, { method: 'PATCH', headers: { ...me.headers, 'content-type': 'application/json' }, body: JSON.stringify({ thresholds: { 'x\u0000': 1 } }) });
    expect(nested.status, nested.text).toBe(400);
  });

  it('a CSV plan of more than 8,191 sessions is stored (one INSERT of it was over the 65,535 parameters); past the limit it is a 422', async () => {
    const big = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'text/csv' }, body: csvPlan(9_000) });
    expect(big.status, big.text.slice(0, 500)).toBe(200);
    const stored = await send(`/athletes/${me.id}/plan`, { headers: me.headers });
    expect((JSON.parse(stored.text) as { sessions: unknown[] }).sessions).toHaveLength(9_000);

    const over = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'text/csv' }, body: csvPlan(MAX_PLAN_SESSIONS + 1) });
    expect(over.status, over.text.slice(0, 500)).toBe(422);
    expect(over.json?.error?.details).toEqual({ problems: [{ field: 'sessions', message: 'the plan has 10,001 sessions: at most 10,000 (split it into plans of a season each)' }] });
  });

  it('a plan body over 1 MB is a 413', async () => {
    const res = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'text/csv' }, body: csvPlan(3 * 1024 * 1024 / 30) });
    expect(res.status).toBe(413);
    expect(res.json?.error?.code).toBe('payload_too_large');
  });

  it('a plan nested deeper than the limit is a 422 saying so, not a stack overflow', async () => {
    const head = 'name: Deep\nstart: 2027-01-04\nsessions: ';
    const flow = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'application/yaml' }, body: `${head}${'['.repeat(50_000)}${']'.repeat(50_000)}\n` });
    expect(flow.status, flow.text.slice(0, 500)).toBe(422);
    expect(flow.json?.error?.details).toEqual({ problems: [{ line: 3, message: `lists and mappings nested deeper than ${MAX_YAML_DEPTH} levels (a plan needs four)` }] });

    let block = `${head.trimEnd()}\n`;
    for (let i = 0; i < 1_000; i++) block += `${' '.repeat(i + 1)}- \n`;
    const indented = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'application/yaml' }, body: block });
    expect(indented.status, indented.text.slice(0, 500)).toBe(422);
    expect(indented.json?.error?.message).toContain(`nested deeper than ${MAX_YAML_DEPTH} levels`);
    expect(indented.json?.error?.message).not.toContain('call stack');

    const json = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'application/json' }, body: `{"sessions":${'['.repeat(20_000)}${']'.repeat(20_000)}}` });
    expect(json.status, json.text.slice(0, 500)).toBe(422);
    expect(json.json?.error?.message).toContain(`nested deeper than ${MAX_YAML_DEPTH} levels`);

    // A mapping that merges itself (an alias to the mapping it is in) is a cycle, not endless recursion.
    const cycle = await send(`/athletes/${me.id}/plan`, { method: 'PUT', headers: { ...me.headers, 'content-type': 'application/yaml' }, body: `${head.trimEnd()}\n  - &a\n    <<: *a\n    kind: easy\n    date: 2027-01-05\n` });
    expect(cycle.status, cycle.text).toBe(422);
    expect(cycle.json?.error?.details).toEqual({ problems: [{ line: 5, field: '<<', message: 'merge (<<) of a mapping that merges this one: a cycle' }] });
  });

  it('an address Fastify cannot decode is a 400 in the API error shape', async () => {
    const res = await send('/athletes/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.json?.error).toEqual({ code: 'bad_request', message: "'/athletes/%E0%A4%A' is not a valid url component" });
  });

  it('fuzz: NUL bytes and malformed bodies on a handful of routes never answer 500', async () => {
    const id = me.id;
    const values = ['\u0000', 'a\u0000b', '%00', '\ud800', '\uffff', '../../etc/passwd', 'x'.repeat(5_000), '', ' ', '0', '-1', '1e309', 'null', '{}', '[]', '😀', '\\', '"', "'; drop table athletes; --"];
    const jsonBodies: string[] = [
      ...values.flatMap((v) => [JSON.stringify({ name: v }), JSON.stringify({ timezone: v }), JSON.stringify({ email: v }), JSON.stringify({ thresholdPace: v }), JSON.stringify({ reportTime: v }), JSON.stringify({ thresholds: { [v]: 1 } })]),
      '{"name":',
      '{"name":"a"}}',
      '\u0000',
      'null',
      '[]',
      '"text"',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      `{"thresholds":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      '{"maxHr":1e999}',
    ];
    const requests: { method: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array }[] = [];
    for (const body of jsonBodies) {
      requests.push({ method: 'PATCH', path: `/athletes/${id}`, headers: { ...me.headers, 'content-type': 'application/json' }, body });
      requests.push({ method: 'POST', path: '/athletes', headers: { ...admin, 'content-type': 'application/json' }, body });
    }
    for (const v of values) {
      // A lone surrogate has no UTF-8: sent as the bytes it would have (which are not UTF-8 either).
      const e = v === '\ud800' ? '%ED%A0%80' : encodeURIComponent(v);
      requests.push(
        { method: 'GET', path: `/athletes/${e}`, headers: me.headers },
        { method: 'GET', path: `/uploads/${e}`, headers: me.headers },
        { method: 'GET', path: `/athletes/${id}/weeks/${e}`, headers: me.headers },
        { method: 'GET', path: `/athletes/${id}/activities?from=${e}&to=${e}&limit=${e}`, headers: me.headers },
        { method: 'GET', path: `/athletes/${id}/uploads?status=${e}&offset=${e}`, headers: me.headers },
        { method: 'GET', path: `/athletes/${id}/export?include=${e}`, headers: me.headers },
        { method: 'GET', path: `/athletes/${id}/plan?format=${e}`, headers: me.headers },
        { method: 'GET', path: `/calendar/${e}.ics` },
        { method: 'GET', path: `/email/unsubscribe?token=${e}` },
        { method: 'POST', path: `/email/unsubscribe?token=${e}` },
        { method: 'PUT', path: `/athletes/${id}/plan?name=${e}&start=${e}`, headers: { ...me.headers, 'content-type': 'text/csv' }, body: `date,kind,notes\n2027-01-04,easy,${v.replace(/[\n,]/g, ' ')}\n` },
        { method: 'PUT', path: `/athletes/${id}/plan`, headers: { ...me.headers, 'content-type': 'application/yaml' }, body: `name: ${JSON.stringify(v)}\nstart: 2027-01-04\nsessions:\n  - {date: 2027-01-04, kind: easy, notes: ${JSON.stringify(v)}}\n` },
        { method: 'POST', path: `/athletes/${id}/uploads`, headers: { ...me.headers, 'content-type': `multipart/form-data; boundary=${v}` }, body: `--${v}\r\nContent-Disposition: form-data; name="file"; filename="${v}"\r\n\r\n${v}\r\n--${v}--\r\n` },
        { method: 'POST', path: `/athletes/${id}/uploads`, headers: { ...me.headers, 'content-type': 'multipart/form-data; boundary=b' }, body: `--b\r\nContent-Disposition: form-data; name="file"; filename="${v}.fit"\r\n\r\n${v}` },
        { method: 'POST', path: '/signin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${e}&timezone=${e}&_csrf=${e}` },
        { method: 'GET', path: `/signin/verify?token=${e}` },
      );
    }
    for (const type of ['application/json', 'text/csv', 'application/yaml', 'multipart/form-data; boundary=', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', '', '\u0001/\u0002']) {
      for (const body of ['', '\u0000', '\u0000'.repeat(1000), '%00', '--\r\n\r\n', '{', '[', 'a: [b', 'date,kind\n\u0000,\u0000']) {
        requests.push({ method: 'PUT', path: `/athletes/${id}/plan`, headers: { ...me.headers, ...(type !== '' && { 'content-type': type }) }, body });
        requests.push({ method: 'POST', path: `/athletes/${id}/uploads`, headers: { ...me.headers, ...(type !== '' && { 'content-type': type }) }, body });
      }
    }

    const failures: string[] = [];
    let raw = 0;
    for (const r of requests) {
      let res: Answer;
      try {
        res = await send(r.path, { method: r.method, ...(r.headers !== undefined && { headers: r.headers }), ...(r.body !== undefined && { body: r.body }) });
      } catch {
        // A header fetch refuses to send (a boundary with spaces or quotes): written on a socket as it is.
        raw++;
        res = await rawRequest(base, r.method, r.path, r.headers ?? {}, r.body ?? '');
        // Node's HTTP parser may refuse the request itself, before any route (Fastify's client error 400): fine.
        if (res.status === 400 && res.json?.error === ('Bad Request' as unknown)) continue;
      }
      if (res.status >= 500) failures.push(`${r.method} ${r.path.slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`);
      else if (!r.path.startsWith('/signin') && res.status >= 400 && res.json?.error?.message === undefined) failures.push(`${r.method} ${r.path.slice(0, 120)} → ${res.status} without an error message: ${res.text.slice(0, 200)}`);
    }
    expect(raw).toBeLessThan(requests.length / 4);
    expect(requests.length).toBeGreaterThan(400);
    expect(failures).toEqual([]);
    // The logs agree: no request failed on the server's side.
    expect(api.lines.filter((l) => l.msg === 'request failed')).toEqual([]);
  });
});

describe('the web app plan import', () => {
  let w: WebTestApp;
  let b: Browser;
  let base: string;

  beforeAll(async () => {
    w = await createWebTestApp();
    b = await signInByEmail(w.app, w.smtp, 'plans@example.com');
    base = await w.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function importPlan(filename: string, content: string): Promise<Answer> {
    const form = new FormData();
    form.append('plan', new Blob([content]), filename);
    return answer(await fetch(`${base}/app/plan/import?_csrf=${encodeURIComponent(b.csrf)}`, { method: 'POST', headers: { cookie: cookieHeader(b.jar) }, body: form }));
  }

  it('a 3 MB plan file is a 413 page saying the limit', async () => {
    const res = await importPlan('huge.csv', csvPlan(3 * 1024 * 1024 / 30));
    expect(res.status, res.text.slice(0, 300)).toBe(413);
    expect(res.text).toContain('The plan was not imported: huge.csv is larger than 1 MB, the limit for a plan file (about 10,000 sessions at most).');
  });

  it('a text the database cannot store (a NUL in a note) is a 400 page, not a 500', async () => {
    const res = await importPlan('nul.csv', csvPlan(3, 'bad\u0000note'));
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.text).toContain('invalid request: a text value holds a NUL byte or bytes that are not UTF-8');
  });

  it('a multipart body cut short is a 400 page', async () => {
    const res = await fetch(`${base}/app/plan/import?_csrf=${encodeURIComponent(b.csrf)}`, {
      method: 'POST',
      headers: { cookie: cookieHeader(b.jar), 'content-type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\nContent-Disposition: form-data; name="plan"; filename="p.csv"\r\n\r\ndate,kind\n2027-01-04,ea',
    });
    const page = await res.text();
    expect(res.status, page.slice(0, 300)).toBe(400);
    expect(page).toContain('the multipart/form-data body could not be read');
  });
});
