/**
 * Real Postgres and Redis for the integration tests. Uses TEST_DATABASE_URL / TEST_REDIS_URL
 * (default: the local servers); when nothing answers there, starts throwaway `postgres` and
 * `redis-server` processes from the binaries on this machine instead of skipping any test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface Service {
  url: string;
  stop(): Promise<void>;
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export function findBinary(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  // Debian keeps the server binaries out of PATH.
  const pgRoot = '/usr/lib/postgresql';
  if (fs.existsSync(pgRoot)) {
    for (const v of fs.readdirSync(pgRoot).sort().reverse()) dirs.push(path.join(pgRoot, v, 'bin'));
  }
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not start within 20 s`);
}

/** Postgres refuses to run as root: run it as the `postgres` system user when we are root. */
export function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  return [cmd, args];
}

export async function ensurePostgres(): Promise<Service> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_PG;
  if (await postgresAnswers(url)) return { url, stop: () => Promise.resolve() };
  const initdb = findBinary('initdb');
  const postgres = findBinary('postgres');
  if (initdb === null || postgres === null) {
    throw new Error(
      `Postgres does not answer at ${url} and no postgres binaries were found to start one: ` +
        'install PostgreSQL (Debian: apt-get install postgresql) or set TEST_DATABASE_URL',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-pg-'));
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', dir]);
  const [initCmd, initArgs] = asPostgresUser(initdb, ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const [cmd, args] = asPostgresUser(postgres, ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const started = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(() => postgresAnswers(started), 'postgres', child);
  return {
    url: started,
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function ensureRedis(): Promise<Service> {
  const url = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS;
  if (await redisAnswers(url)) return { url, stop: () => Promise.resolve() };
  const bin = findBinary('redis-server');
  if (bin === null) {
    throw new Error(
      `Redis does not answer at ${url} and redis-server was not found to start one: ` +
        'install Redis (Debian: apt-get install redis-server) or set TEST_REDIS_URL',
    );
  }
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const started = `redis://127.0.0.1:${port}`;
  await waitFor(() => redisAnswers(started), 'redis-server', child);
  return {
    url: started,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
