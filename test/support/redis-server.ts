/**
 * A throwaway `redis-server` of one test, on a free port, with its data in a temporary folder, that
 * the test may stop and start again (never the shared Redis of the harness). Persistence as
 * production needs it (docs/jobs.md, "Crash safety"): the append-only file, so a restart keeps the
 * queues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBinary, freePort, redisAnswers } from './services.ts';

export interface RedisServer {
  url: string;
  /** Graceful stop (SIGTERM: Redis flushes the append-only file and exits). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its data. */
  destroy(): Promise<void>;
}

export async function startRedisServer(opts: { appendOnly: boolean } = { appendOnly: true }): Promise<RedisServer> {
  const bin = findBinary('redis-server');
  if (bin === null) throw new Error('redis-server not found on PATH: install Redis (Debian: apt-get install redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', opts.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
  ];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const c = spawn(bin, args, { stdio: 'ignore' });
    child = c;
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(url)) return;
      if (c.exitCode !== null) throw new Error(`redis-server exited with code ${c.exitCode} while starting on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not answer on port ${port} within 10 s`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
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
