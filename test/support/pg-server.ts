/**
 * A throwaway Postgres server of one test, on a free port, with its data in a temporary folder, that
 * the test may stop and start again (never the shared server of the harness), like
 * `redis-server.ts` for Redis. Its one database, `kinetic`, is migrated.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { adminQuery, databaseUrl } from './pg-admin.ts';
import { asPostgresUser, findBinary, freePort, postgresAnswers } from './services.ts';

export interface PostgresServer {
  /** The migrated `kinetic` database. */
  url: string;
  /**
   * Stops the server. `fast` (SIGINT, what `pg_ctl restart` does): every session is ended with
   * `57P01 terminating connection due to administrator command` and open transactions roll back.
   */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its data. */
  destroy(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const initdb = findBinary('initdb');
  const postgres = findBinary('postgres');
  if (initdb === null || postgres === null) throw new Error('postgres binaries not found: install PostgreSQL (Debian: apt-get install postgresql)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-pgserver-'));
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', dir]);
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = asPostgresUser(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const [cmd, args] = asPostgresUser(postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200']);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    child = c;
    for (let i = 0; i < 300; i++) {
      if (await postgresAnswers(serverUrl)) return;
      if (c.exitCode !== null) throw new Error(`postgres exited with code ${c.exitCode} while starting on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`postgres did not answer on port ${port} within 30 s`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    // The postmaster itself (run through `runuser` as root, which does not pass signals on).
    const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await exited;
  };
  await start();
  await adminQuery(serverUrl, 'CREATE DATABASE kinetic');
  const url = databaseUrl(serverUrl, 'kinetic');
  const handle = connect({ databaseUrl: url, poolSize: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  return {
    url,
    start,
    stop,
    destroy: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
