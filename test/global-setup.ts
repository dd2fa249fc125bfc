/**
 * Runs once per `vitest run`: builds dist/ (the tests spawn bin/kinetic.js, which runs the compiled
 * code: it must be the code under test, never a stale build), makes sure Postgres and Redis answer
 * (starting throwaway servers when they don't), then migrates a template database that every test
 * file clones (CREATE DATABASE … TEMPLATE), so each file gets an isolated, migrated database in
 * milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { connect } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { adminQuery, databaseUrl } from './support/pg-admin.ts';
import { ensurePostgres, ensureRedis, type Service } from './support/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    redisUrl: string;
    templateDb: string;
    runId: string;
  }
}

let services: Service[] = [];
let cleanup: (() => Promise<void>) | undefined;

/**
 * `npm run build`, incremental (about a second when nothing changed). Type errors are reported but do
 * not stop the tests: they run the code as it is, and `npm run typecheck` is the type check.
 */
function build(): void {
  const script = fileURLToPath(new URL('../tools/build.js', import.meta.url));
  execFileSync(process.execPath, [script, '--allow-type-errors'], { stdio: 'inherit' });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  build();
  const pgService = await ensurePostgres();
  const redisService = await ensureRedis();
  services = [pgService, redisService];
  const runId = `${process.pid}${Date.now().toString(36)}`;
  const templateDb = `kt_template_${runId}`;
  await adminQuery(pgService.url, `CREATE DATABASE ${templateDb}`);
  const handle = connect({ databaseUrl: databaseUrl(pgService.url, templateDb), poolSize: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  project.provide('pgUrl', pgService.url);
  project.provide('redisUrl', redisService.url);
  project.provide('templateDb', templateDb);
  project.provide('runId', runId);
  cleanup = async () => {
    const rows = await adminQuery(pgService.url, `SELECT datname FROM pg_database WHERE datname LIKE 'kt\\_%${runId}%'`);
    for (const r of rows) await adminQuery(pgService.url, `DROP DATABASE IF EXISTS "${String(r.datname)}" WITH (FORCE)`);
  };
  return async () => {
    await cleanup?.();
    for (const s of services) await s.stop();
  };
}
