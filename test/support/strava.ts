/**
 * Kinetic pointed at a fake Strava: configuration, services (client, token box, budget, clock) and an
 * API app whose in-process jobs use them.
 */
import { randomBytes } from 'node:crypto';
import { buildServer, type ApiApp } from '../../src/server/server.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { MemoryRateBudget, type RateBudget } from '../../src/ingest/strava/rate-limit.ts';
import { createStravaServices, type StravaServices } from '../../src/ingest/strava/services.ts';
import type { ResponseInfo } from '../../src/ingest/strava/client.ts';
import type { Logger } from '../../src/log.ts';
import { InlineRunner } from '../../src/workers/inline-runner.ts';
import type { TestDb } from './db.ts';
import type { FakeStrava } from './fake-strava.ts';
import { ADMIN_TOKEN } from './api.ts';
import { captureLogger, type LogLine } from './queues.ts';

export const TEST_SECRET = `kinetic-test-secret-${randomBytes(16).toString('hex')}`;
export const VERIFY_TOKEN = `verify-${randomBytes(8).toString('hex')}`;

/** The variables that point Kinetic (a process, or loadConfig) at the fake. */
export function stravaEnv(fake: FakeStrava, extra: Record<string, string> = {}): Record<string, string> {
  return { ...fake.env(), KINETIC_SECRET: TEST_SECRET, STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, ...extra };
}

export function stravaConfig(fake: FakeStrava, env: Record<string, string> = {}): Config {
  return loadConfig({ ...stravaEnv(fake), ...env });
}

export function testStravaServices(
  fake: FakeStrava,
  opts: { budget?: RateBudget; maxWaitMs?: number; maxPauseMs?: number; timeoutMs?: number; onResponse?: (info: ResponseInfo) => void } = {},
): StravaServices {
  return createStravaServices(stravaConfig(fake), {
    budget: opts.budget ?? new MemoryRateBudget(),
    clock: fake.clock,
    maxWaitMs: opts.maxWaitMs ?? Number.POSITIVE_INFINITY,
    ...(opts.maxPauseMs !== undefined && { maxPauseMs: opts.maxPauseMs }),
    ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
    ...(opts.onResponse !== undefined && { onResponse: opts.onResponse }),
  });
}

export interface StravaApi {
  app: ApiApp;
  jobs: InlineRunner;
  strava: StravaServices;
  config: Config;
  log: Logger;
  lines: LogLine[];
  close(): Promise<void>;
}

/** The HTTP API on the test database, embedded job runner (with the fake's Strava services). */
export async function createStravaApi(t: TestDb, fake: FakeStrava, env: Record<string, string> = {}): Promise<StravaApi> {
  const { log, lines } = captureLogger();
  const config = loadConfig({ DATABASE_URL: t.url!, KINETIC_ADMIN_TOKEN: ADMIN_TOKEN, ...stravaEnv(fake), ...env });
  const strava = testStravaServices(fake);
  const now = (): Date => fake.clock.now();
  const jobs = new InlineRunner({ db: t.db, log, now, strava }, { backoffScale: 0.001 });
  const app = await buildServer({ db: t.db, log, jobs, config, now });
  await app.ready();
  return {
    app,
    jobs,
    strava,
    config,
    log,
    lines,
    close: async () => {
      await app.close();
    },
  };
}
