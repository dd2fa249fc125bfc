/**
 * Connection timeouts and shutdown (#17 item 8), over real sockets: a request whose body trickles in,
 * headers that never end and a connection that sends nothing are closed by the server within their
 * timeouts (set short here through the same variables `kinetic serve` reads); and `kinetic serve` on
 * SIGTERM does not wait for ever on a stalled request: after the grace period it closes the
 * connection and exits 0.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createAthleteViaApi, createTestApi, type CreatedAthlete, type TestApi } from '../support/api.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { serve, type Served } from '../support/serve.ts';
import { captureLogger, createTestQueues, type TestQueues } from '../support/queues.ts';

interface Watched {
  socket: net.Socket;
  /** Everything the server sent. */
  received: () => string;
  /** Resolves with the milliseconds from connecting until the server closed the connection (or `limitMs` passed: then -1). */
  closed: (limitMs: number) => Promise<number>;
}

function connect(base: string): Promise<Watched> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let closedAt: number | undefined;
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(url.port), url.hostname, () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed: async (limitMs) => {
          const deadline = started + limitMs;
          while (closedAt === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          return closedAt === undefined ? -1 : closedAt - started;
        },
      }),
    );
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function trickle(socket: net.Socket, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return;
    socket.write(text[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

describe('connection timeouts', () => {
  let api: TestApi;
  let me: CreatedAthlete;
  let base: string;
  const open: net.Socket[] = [];

  beforeAll(async () => {
    api = await createTestApi({ env: { KINETIC_HEADERS_TIMEOUT_MS: '1000', KINETIC_REQUEST_TIMEOUT_MS: '1500', KINETIC_IDLE_TIMEOUT_MS: '4000', KINETIC_KEEP_ALIVE_TIMEOUT_MS: '500' } });
    me = await createAthleteViaApi(api.app);
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await api?.close();
  });

  it('a body sent at a few bytes a second, without credentials, is cut off at the request timeout', async () => {
    const c = await connect(base);
    open.push(c.socket);
    c.socket.write('POST /athletes HTTP/1.1\r\nHost: kinetic\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    trickle(c.socket, `{"name":"${'x'.repeat(990)}"}`, 200);
    const ms = await c.closed(10_000);
    expect(ms, c.received()).toBeGreaterThan(1_000);
    expect(ms, c.received()).toBeLessThan(3_000);
  });

  it('an upload whose body stalls is cut off at the request timeout, with a 408 when nothing was answered yet', async () => {
    const c = await connect(base);
    open.push(c.socket);
    const boundary = 'slowBoundary';
    c.socket.write(
      `POST /athletes/${me.id}/uploads HTTP/1.1\r\nHost: kinetic\r\nAuthorization: ${me.headers.authorization}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="run.fit"\r\n\r\n`,
    );
    trickle(c.socket, '.FIT'.repeat(1000), 100);
    const ms = await c.closed(10_000);
    expect(ms).toBeGreaterThan(1_000);
    expect(ms).toBeLessThan(3_000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('headers that never end are cut off at the headers timeout', async () => {
    const c = await connect(base);
    open.push(c.socket);
    trickle(c.socket, `GET /healthz HTTP/1.1\r\nHost: kinetic\r\nX-Slow: ${'y'.repeat(1000)}`, 100);
    const ms = await c.closed(10_000);
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(2_500);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a connection that sends nothing is closed at the headers timeout; a kept-alive one at the keep-alive timeout', async () => {
    const silent = await connect(base);
    open.push(silent.socket);
    const ms = await silent.closed(10_000);
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(2_500);

    const kept = await connect(base);
    open.push(kept.socket);
    kept.socket.write('GET /healthz HTTP/1.1\r\nHost: kinetic\r\n\r\n');
    const after = await kept.closed(10_000);
    expect(kept.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(after).toBeLessThan(1_950);
  });

  it('a client that stops reading a download is cut off at the idle timeout', async () => {
    const size = 40 * 1024 * 1024;
    const bytes = randomBytes(size);
    const row = await api.t.db
      .insertInto('uploads')
      .values({ athlete_id: me.id, sha256: createHash('sha256').update(bytes).digest('hex'), filename: 'big.fit', size_bytes: size, bytes })
      .returning('id')
      .executeTakeFirstOrThrow();
    const c = await connect(base);
    open.push(c.socket);
    // Read the first chunk, then nothing for longer than the idle timeout (4 s: reading 40 MB from the
    // database on a loaded machine must not itself reach it): the server's writes stall once the
    // kernel's buffers are full. (Pausing after a fixed delay instead let a fast loopback deliver all
    // 40 MB before the pause.)
    const first = new Promise<void>((r) => {
      c.socket.once('data', () => (c.socket.pause(), r()));
      c.socket.once('close', () => r());
    });
    c.socket.write(`GET /uploads/${row.id}/file HTTP/1.1\r\nHost: kinetic\r\nAuthorization: ${me.headers.authorization}\r\n\r\n`);
    await first;
    // Loopback buffers keep growing for a few seconds after the pause (measured: a plain node:http
    // server with a 5 s timeout cut such a client off between 8 and 15 s), so wait well past it.
    await new Promise((r) => setTimeout(r, 14_000));
    c.socket.resume();
    expect(await c.closed(30_000)).toBeGreaterThan(0);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.received().length).toBeLessThan(size / 2);
  });
});

describe('kinetic serve on SIGTERM with a stalled request', () => {
  let t: TestDb;
  let queues: TestQueues;
  let served: Served | undefined;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    queues = createTestQueues(captureLogger().log);
  });
  afterAll(async () => {
    if (served !== undefined && served.child.exitCode === null) served.child.kill('SIGKILL');
    await queues?.cleanup();
    await t?.drop();
  });

  it('closes the stalled connections after the grace period and exits 0', async () => {
    const GRACE_MS = 1_500;
    // A request timeout far longer than the grace period: the shutdown, not the timeout, ends them.
    served = await serve({ DATABASE_URL: t.url!, ...queues.env, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, KINETIC_SHUTDOWN_GRACE_MS: String(GRACE_MS), KINETIC_REQUEST_TIMEOUT_MS: '600000' });
    const created = await fetch(`${served.base}/athletes`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Slow', timezone: 'UTC' }) });
    const athlete = (await created.json()) as { id: string; token: string };

    // An upload in flight whose body stalls, and a body without credentials that trickles.
    const upload = await connect(served.base);
    upload.socket.write(
      `POST /athletes/${athlete.id}/uploads HTTP/1.1\r\nHost: kinetic\r\nAuthorization: Bearer ${athlete.token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="run.fit"\r\n\r\n.FIT`,
    );
    const anonymous = await connect(served.base);
    anonymous.socket.write('POST /athletes HTTP/1.1\r\nHost: kinetic\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    trickle(anonymous.socket, '"'.repeat(999), 500);
    await new Promise((r) => setTimeout(r, 300));

    const signalled = Date.now();
    served.child.kill('SIGTERM');
    const code = await Promise.race([served.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    const ms = Date.now() - signalled;
    expect(code, JSON.stringify(served.lines.slice(-5))).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(ms).toBeLessThan(GRACE_MS + 5_000);
    expect(await upload.closed(1_000)).toBeGreaterThan(0);
    expect(await anonymous.closed(1_000)).toBeGreaterThan(0);
    expect(served.lines.find((l) => l.msg === 'closing: connections still open after the grace period are closed')).toMatchObject({ connections: 2, graceMs: GRACE_MS });
    expect(served.lines.some((l) => l.msg === 'api stopped')).toBe(true);
  });
});
