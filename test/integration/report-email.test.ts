/**
 * Report emails against a real SMTP server started in the test (smtp-server) and real Postgres:
 * the message arrives once, with a plain-text and an HTML part, the charts as inline PNG attachments
 * the HTML shows through cid:, the athlete's name, the week and the headline in the subject; a
 * refused first attempt is recorded and retried and the message arrives once; a re-run, a re-queued
 * job or a regenerated report sends nothing more; a bounce is recorded and kept; an athlete without
 * email or unsubscribed is skipped. Through the in-process runner and through a BullMQ worker.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config.ts';
import { createAthlete } from '../../src/db/repositories/athletes.ts';
import { ensureEmailPreferences, getDelivery } from '../../src/db/repositories/deliveries.ts';
import { upsertReport } from '../../src/db/repositories/reports.ts';
import { SmtpMailer } from '../../src/email/smtp.ts';
import { reportSubject } from '../../src/report/email.ts';
import { REPORT_VERSION, reportHash, type ReportModel } from '../../src/report/model.ts';
import { sampleReport } from '../support/report-render.ts';
import { registerWorker } from '../../src/jobs/bullmq.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import { HANDLERS } from '../../src/workers/handlers.ts';
import { RETRY } from '../../src/jobs/queues.ts';
import { ADMIN_TOKEN } from '../support/api.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { byTag, findAll, parseHtml } from '../support/html.ts';
import { leaves, parseMime, type MimePart } from '../support/mime.ts';
import { captureLogger, createTestQueues } from '../support/queues.ts';
import { NO_FIT_FILES } from '../support/decoding.ts';

interface Received {
  to: string[];
  raw: string;
}

interface FakeSmtp {
  port: number;
  received: Received[];
  /** DATA commands still to refuse with 451 (temporary). */
  refuseData: number;
  /** Recipients refused with 550 (permanent). */
  rejectRcpt: Set<string>;
  close(): Promise<void>;
}

async function startSmtp(): Promise<FakeSmtp> {
  const state = { received: [] as Received[], refuseData: 0, rejectRcpt: new Set<string>() };
  const refuse = (message: string, code: number): Error => Object.assign(new Error(message), { responseCode: code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (state.rejectRcpt.has(address.address)) return callback(refuse('5.1.1 mailbox unavailable', 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refuseData > 0) {
          state.refuseData--;
          return callback(refuse('4.7.1 greylisted, try again later', 451));
        }
        state.received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(state, {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const GENERATED = new Date('2026-11-30T07:00:00Z');

describe('report email delivery', () => {
  let t: TestDb;
  let smtp: FakeSmtp;
  let mailer: SmtpMailer;
  const clock = new Date('2026-11-30T08:00:00Z');
  const now = (): Date => clock;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    smtp = await startSmtp();
    mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, 'Kinetic <reports@kinetic.test>', 'https://kinetic.test');
  });
  afterAll(async () => {
    mailer?.close();
    await smtp?.close();
    await t?.drop();
  });
  afterEach(() => {
    smtp.refuseData = 0;
    smtp.rejectRcpt.clear();
  });

  /** An athlete with a stored report of 2026-W48 (the sample model, with this athlete's id and name). */
  async function athleteWithReport(over: { email?: string | null; name?: string } = {}): Promise<{ athleteId: string; reportId: string; model: ReportModel; email: string | null }> {
    seq++;
    const email = over.email === undefined ? `runner${seq}@example.test` : over.email;
    const name = over.name ?? `Runner ${seq}`;
    const athlete = await createAthlete(t.db, { name, email, timezone: 'Europe/London', units: 'mi' });
    const base = sampleReport();
    const model = sampleReport({ athlete: { ...base.athlete, id: athlete.id, name } });
    const { id } = await upsertReport(t.db, { athleteId: athlete.id, isoWeek: model.week.isoWeek, version: REPORT_VERSION, document: model, contentHash: reportHash(model), generatedAt: GENERATED });
    return { athleteId: athlete.id, reportId: id, model, email };
  }

  function runner(opts: { sleep?: (ms: number) => Promise<void>; mail?: SmtpMailer | undefined } = {}): { jobs: InlineRunner; lines: ReturnType<typeof captureLogger>['lines'] } {
    const { log, lines } = captureLogger();
    const mail = 'mail' in opts ? opts.mail : mailer;
    return { jobs: new InlineRunner({ db: t.db, log, now, mail }, { backoffScale: 0.0001, ...(opts.sleep !== undefined && { sleep: opts.sleep }) }), lines };
  }

  const to = (address: string | null): Received[] => smtp.received.filter((r) => address !== null && r.to.includes(address));

  it('arrives once: text and HTML parts, the charts as inline PNGs shown through cid:, the subject with name, week and headline', async () => {
    const a = await athleteWithReport({ name: 'Ada Lovelace' });
    const { jobs } = runner();
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await jobs.settle()).toEqual([]);

    const messages = to(a.email);
    expect(messages).toHaveLength(1);
    const msg = parseMime(messages[0]!.raw);
    const subject = msg.headers.get('subject')!;
    expect(subject).toBe(reportSubject(a.model));
    expect(subject).toContain('Ada Lovelace');
    expect(subject).toContain('2026-W48');
    // The headline says each compliance part (#18 point 14), so it can run past the subject's 120
    // characters for the summary: its start is there, cut with an ellipsis.
    expect(subject).toContain(a.model.headline.summary.slice(0, 100));
    expect(msg.headers.get('from')).toBe('Kinetic <reports@kinetic.test>');

    const parts = leaves(msg);
    const text = parts.filter((p) => p.type === 'text/plain');
    const html = parts.filter((p) => p.type === 'text/html');
    expect(text).toHaveLength(1);
    expect(html).toHaveLength(1);
    expect(text[0]!.body.toString('utf8')).toContain('DAY BY DAY');
    // The HTML and the text are alternatives of one message.
    expect(findPart(msg, 'multipart/alternative')).toBeDefined();

    const doc = parseHtml(html[0]!.body.toString('utf8'));
    expect(findAll(doc, byTag('svg'))).toHaveLength(0);
    const cids = findAll(doc, byTag('img')).map((img) => img.attrs.src!);
    expect(cids).toEqual(['cid:chart-distance@kinetic', 'cid:chart-week@kinetic', 'cid:chart-intensity@kinetic', 'cid:chart-load@kinetic']);
    for (const img of findAll(doc, byTag('img'))) expect(img.attrs.alt!.length).toBeGreaterThan(40);
    const images = parts.filter((p) => p.type === 'image/png');
    expect(images.map((p) => `cid:${p.headers.get('content-id')!.replace(/^<|>$/g, '')}`).sort()).toEqual([...cids].sort());
    for (const img of images) {
      expect(img.headers.get('content-disposition')).toMatch(/^inline/);
      expect(img.body.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(img.body.length).toBeGreaterThan(5000);
    }

    // Links: the web page and the unsubscribe page, in both parts and in List-Unsubscribe.
    const prefs = await ensureEmailPreferences(t.db, a.athleteId);
    expect(text[0]!.body.toString('utf8')).toContain(`https://kinetic.test/athletes/${a.athleteId}/reports/2026-W48`);
    expect(text[0]!.body.toString('utf8')).toContain(`https://kinetic.test/email/preferences?token=${prefs.unsubscribeToken}`);
    expect(msg.headers.get('list-unsubscribe')).toBe(`<https://kinetic.test/email/unsubscribe?token=${prefs.unsubscribeToken}>`);
    expect(msg.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    const delivery = (await getDelivery(t.db, a.athleteId, '2026-W48'))!;
    expect(delivery).toMatchObject({ reportId: a.reportId, status: 'sent', attempts: 1, lastError: null, recipient: a.email });
    expect(delivery.sentAt).toEqual(clock);
    expect(msg.headers.get('message-id')).toBe(delivery.messageId);
    expect(delivery.messageId).toBe(`<report-${delivery.id}@kinetic.test>`);
  });

  it('is never sent twice for the week: a re-run, a re-queued job, a regenerated report', async () => {
    const a = await athleteWithReport();
    const first = runner();
    await first.jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await first.jobs.settle()).toEqual([]);
    const sent = (await getDelivery(t.db, a.athleteId, '2026-W48'))!;

    // The same job again, and again after the report was regenerated with new content (same id).
    const second = runner();
    await second.jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await second.jobs.settle()).toEqual([]);
    const changed = { ...a.model, headline: { ...a.model.headline, summary: 'changed after a late upload' } };
    const regenerated = await upsertReport(t.db, { athleteId: a.athleteId, isoWeek: '2026-W48', version: REPORT_VERSION, document: changed, contentHash: reportHash(changed), generatedAt: new Date() });
    expect(regenerated).toEqual({ id: a.reportId, written: true });
    await second.jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await second.jobs.settle()).toEqual([]);

    expect(to(a.email)).toHaveLength(1);
    expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toEqual(sent);
  });

  it('a refused first attempt (451) is recorded, retried and delivered once', async () => {
    const a = await athleteWithReport();
    smtp.refuseData = 1;
    const during: unknown[] = [];
    const { jobs, lines } = runner({
      sleep: async () => {
        during.push(await getDelivery(t.db, a.athleteId, '2026-W48'));
      },
    });
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await jobs.settle()).toEqual([]);

    // Between the attempts the refusal was on record.
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('451') as unknown });
    expect(lines.some((l) => l.msg === 'job failed, retrying')).toBe(true);

    expect(to(a.email)).toHaveLength(1);
    expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('a bounce (550) is recorded as bounced, retried, and kept with its error when the retries run out', async () => {
    const a = await athleteWithReport();
    smtp.rejectRcpt.add(a.email!);
    const { jobs } = runner();
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    const failed = await jobs.settle();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ queue: 'report-delivery', jobId: `report-delivery-${a.reportId}`, payload: { reportId: a.reportId }, attempts: RETRY['report-delivery'].attempts });
    expect(failed[0]!.error).toContain('550');
    expect(to(a.email)).toHaveLength(0);
    const d = (await getDelivery(t.db, a.athleteId, '2026-W48'))!;
    expect(d).toMatchObject({ status: 'bounced', attempts: RETRY['report-delivery'].attempts, sentAt: null });
    expect(d.lastError).toContain('550');

    // Once the address works, re-queueing the failed job delivers it.
    smtp.rejectRcpt.clear();
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await jobs.settle()).toEqual([]);
    expect(to(a.email)).toHaveLength(1);
    expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'sent', attempts: RETRY['report-delivery'].attempts + 1 });
  });

  it('records an athlete without an email address as skipped, and sends nothing', async () => {
    const a = await athleteWithReport({ email: null });
    const before = smtp.received.length;
    const { jobs } = runner();
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await jobs.settle()).toEqual([]);
    expect(smtp.received.length).toBe(before);
    expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'skipped', attempts: 0, lastError: 'the athlete has no email address' });
  });

  it('without SMTP in the process: the failure is recorded and the job fails (retried), nothing is lost', async () => {
    const a = await athleteWithReport();
    const { jobs } = runner({ mail: undefined });
    await jobs.enqueue('report-delivery', { reportId: a.reportId });
    const failed = await jobs.settle();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toContain('SMTP_URL');
    expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'failed', attempts: 0, lastError: expect.stringContaining('SMTP_URL') as unknown });
    // A worker with email configured delivers it.
    const fixed = runner();
    await fixed.jobs.enqueue('report-delivery', { reportId: a.reportId });
    expect(await fixed.jobs.settle()).toEqual([]);
    expect(to(a.email)).toHaveLength(1);
  });

  it('the weekly-report job generates the report and queues its delivery', async () => {
    seq++;
    const email = `weekly${seq}@example.test`;
    const athlete = await createAthlete(t.db, { name: 'Weekly Wanda', email, timezone: 'UTC' });
    const { jobs } = runner();
    await jobs.enqueue('weekly-report', { athleteId: athlete.id, isoWeek: '2026-W48' });
    expect(await jobs.settle()).toEqual([]);
    const messages = to(email);
    expect(messages).toHaveLength(1);
    expect(parseMime(messages[0]!.raw).headers.get('subject')).toMatch(/^Weekly Wanda, week 2026-W48 \(23–29 November 2026\): /);
    expect(await getDelivery(t.db, athlete.id, '2026-W48')).toMatchObject({ status: 'sent', attempts: 1 });

    // Without email configured, the weekly-report job queues no delivery.
    const quiet = runner({ mail: undefined });
    await quiet.jobs.enqueue('weekly-report', { athleteId: athlete.id, isoWeek: '2026-W47' });
    expect(await quiet.jobs.settle()).toEqual([]);
    expect(await getDelivery(t.db, athlete.id, '2026-W47')).toBeUndefined();
  });

  it('through a BullMQ worker: a refused first attempt is retried by BullMQ and delivered once', async () => {
    const a = await athleteWithReport();
    smtp.refuseData = 1;
    const { log, lines } = captureLogger();
    // RETRY's 60 s first backoff × 0.005 = 0.3 s.
    const q = createTestQueues(log, { backoffScale: 0.005 });
    const worker = registerWorker('report-delivery', { db: t.db, log, now, queue: q.queues, mail: mailer, decodePool: NO_FIT_FILES }, { queues: q.queues, handler: HANDLERS['report-delivery'], closeOn: [] });
    try {
      await q.queues.enqueue('report-delivery', { reportId: a.reportId });
      // A second add of the same job id is ignored while the first exists.
      await q.queues.enqueue('report-delivery', { reportId: a.reportId });
      const deadline = Date.now() + 60_000;
      while ((await getDelivery(t.db, a.athleteId, '2026-W48'))?.status !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'sent', attempts: 2 });
      expect(to(a.email)).toHaveLength(1);
      expect(lines.some((l) => l.msg === 'job failed, retrying' && String(l.err).includes('451'))).toBe(true);
      // Queued again later (a re-run of the weekly job): the delivery row stops it.
      await q.queues.enqueue('report-delivery', { reportId: a.reportId });
      const until = Date.now() + 20_000;
      while (!lines.some((l) => l.msg === 'job completed' && (l.result as { status?: string } | undefined)?.status === 'already_sent') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(lines.some((l) => l.msg === 'job completed' && (l.result as { status?: string } | undefined)?.status === 'already_sent')).toBe(true);
      expect(to(a.email)).toHaveLength(1);
    } finally {
      await worker.close();
      await q.cleanup();
    }
  });

  describe('the unsubscribe link', () => {
    let app: ApiApp;
    beforeAll(async () => {
      const { log } = captureLogger();
      const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN });
      app = await buildServer({ db: t.db, log, jobs: new InlineRunner({ db: t.db, log, now }), config, now });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('shows the setting on GET without changing it; one-click POST unsubscribes; the next report is skipped', async () => {
      const a = await athleteWithReport({ name: 'Una <Subscribed>' });
      const { unsubscribeToken: token } = await ensureEmailPreferences(t.db, a.athleteId);

      const page = await app.inject({ method: 'GET', url: `/email/unsubscribe?token=${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Una &lt;Subscribed&gt;');
      expect(page.body).toContain('Stop weekly report emails');
      expect((await ensureEmailPreferences(t.db, a.athleteId)).reportsEnabled).toBe(true);

      const click = await app.inject({
        method: 'POST',
        url: `/email/unsubscribe?token=${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(click.statusCode, click.body).toBe(200);
      expect(click.body).toContain('You will get no more weekly report emails.');
      expect((await ensureEmailPreferences(t.db, a.athleteId)).reportsEnabled).toBe(false);

      const { jobs } = runner();
      await jobs.enqueue('report-delivery', { reportId: a.reportId });
      expect(await jobs.settle()).toEqual([]);
      expect(to(a.email)).toHaveLength(0);
      expect(await getDelivery(t.db, a.athleteId, '2026-W48')).toMatchObject({ status: 'skipped', lastError: 'the athlete unsubscribed from report emails' });

      // The page's own form turns them on again.
      const on = await app.inject({ method: 'POST', url: `/email/preferences?token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'reports=on' });
      expect(on.statusCode).toBe(200);
      expect(on.body).toContain('Weekly report emails are on again.');
      expect((await ensureEmailPreferences(t.db, a.athleteId)).reportsEnabled).toBe(true);
    });

    it('answers 404 to an unknown token and 400 to a malformed one', async () => {
      const unknown = await app.inject({ method: 'POST', url: `/email/unsubscribe?token=${'x'.repeat(32)}` });
      expect(unknown.statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/email/preferences?token=short' })).statusCode).toBe(400);
    });
  });
});

function findPart(part: MimePart, type: string): MimePart | undefined {
  if (part.type === type) return part;
  for (const p of part.parts) {
    const found = findPart(p, type);
    if (found !== undefined) return found;
  }
  return undefined;
}
