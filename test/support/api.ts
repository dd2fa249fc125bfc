/**
 * The HTTP API built in-process for a test: a Postgres database of its own, the configuration from
 * the same variables `kinetic serve` reads, and either the in-process job runner (embedded mode) or
 * BullMQ queues under a test prefix.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Logger } from '../../src/log.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import type { JobRunner } from '../../src/jobs/queues.ts';
import { createTestDb, type TestDb } from './db.ts';
import { captureLogger, createTestQueues, type LogLine, type TestQueues } from './queues.ts';

export const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Rate limits far above what a test sends (the limits themselves are tested with their own values). */
export const NO_RATE_LIMITS = { KINETIC_API_RATE_LIMIT: '1000000', KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: '1000000', KINETIC_SIGNIN_RATE_LIMIT_IP: '1000000' };

export interface TestApi {
  app: ApiApp;
  t: TestDb;
  config: Config;
  jobs: JobRunner;
  log: Logger;
  lines: LogLine[];
  queues?: TestQueues;
  close(): Promise<void>;
}

export async function createTestApi(opts: { env?: Record<string, string>; bullmq?: boolean; db?: TestDb } = {}): Promise<TestApi> {
  const t = opts.db ?? (await createTestDb('postgres'));
  const { log, lines } = captureLogger();
  const queues = opts.bullmq === true ? createTestQueues(log) : undefined;
  const config = loadConfig({
    DATABASE_URL: t.url!,
    KINETIC_ADMIN_TOKEN: ADMIN_TOKEN,
    // Tests of other things send many requests from one address and token: rate limits out of their way
    // (test/integration/identity.test.ts sets its own).
    ...NO_RATE_LIMITS,
    ...(queues !== undefined && { REDIS_URL: queues.redisUrl, KINETIC_QUEUE_PREFIX: queues.prefix }),
    ...opts.env,
  });
  const now = (): Date => new Date();
  const jobs: JobRunner = queues?.queues ?? new InlineRunner({ db: t.db, log, now }, { backoffScale: 0.001 });
  const app = await buildServer({ db: t.db, log, jobs, config, now });
  await app.ready();
  return {
    app,
    t,
    config,
    jobs,
    log,
    lines,
    ...(queues !== undefined && { queues }),
    close: async () => {
      await app.close();
      await queues?.cleanup();
      await jobs.close();
      if (opts.db === undefined) await t.drop();
    },
  };
}

export interface FilePart {
  filename: string;
  bytes: Uint8Array;
  field?: string;
  contentType?: string;
}

/** A multipart/form-data body of files (and optional text fields). */
export function multipart(files: FilePart[], fields: Record<string, string> = {}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----kinetic${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${f.filename}"\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.from(f.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** POST /athletes/:id/uploads with these files. */
export function postUploads(app: ApiApp, athleteId: string, headers: Record<string, string>, files: FilePart[]): Promise<LightMyRequestResponse> {
  const body = multipart(files);
  return app.inject({ method: 'POST', url: `/athletes/${athleteId}/uploads`, headers: { ...headers, ...body.headers }, payload: body.payload });
}

export interface CreatedAthlete {
  id: string;
  token: string;
  headers: { authorization: string };
}

/** POST /athletes as the admin; returns the id and the athlete's own token. */
export async function createAthleteViaApi(app: ApiApp, body: Record<string, unknown> = {}): Promise<CreatedAthlete> {
  const res = await app.inject({ method: 'POST', url: '/athletes', headers: admin, payload: { name: 'Runner', timezone: 'Europe/London', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  const { id, token } = res.json<{ id: string; token: string }>();
  return { id, token, headers: bearer(token) };
}

export function json<T>(res: LightMyRequestResponse): T {
  return res.json<T>();
}

/** The `{ error: { code, message } }` of an error response. */
export function errorOf(res: LightMyRequestResponse): { code: string; message: string; details?: unknown } {
  return res.json<{ error: { code: string; message: string; details?: unknown } }>().error;
}
