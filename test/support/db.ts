/**
 * Per-test-file databases on both back ends: a clone of the migrated template on the real Postgres
 * server, or a fresh in-memory PGlite with the same migrations.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect, type DbHandle, type DbKind } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { adminQuery, databaseUrl } from './pg-admin.ts';

export interface TestDb extends DbHandle {
  /** Connection string for child processes (Postgres only). */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh Postgres database cloned from the migrated template; returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = inject('pgUrl');
  const name = `kt_${randomBytes(4).toString('hex')}_${inject('runId')}`;
  await adminQuery(server, `CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
  return {
    url: databaseUrl(server, name),
    drop: async () => {
      await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function createTestDb(kind: DbKind): Promise<TestDb> {
  if (kind === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    const handle = connect({ databaseUrl: url, poolSize: 5 });
    return {
      ...handle,
      url,
      drop: async () => {
        await handle.close();
        await drop();
      },
    };
  }
  const handle = connect({ dataDir: 'memory://' });
  await migrateToLatest(handle.db);
  return { ...handle, url: undefined, drop: () => handle.close() };
}

export const BACKENDS: DbKind[] = ['postgres', 'pglite'];
