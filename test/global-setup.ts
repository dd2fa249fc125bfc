/**
 * Runs once per `vitest run`: makes sure Postgres and Redis answer (starting throwaway servers when
 * they don't), then migrates a template database that every test file clones (CREATE DATABASE …
 * TEMPLATE), so each file gets an isolated, migrated database in milliseconds.
 */
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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
