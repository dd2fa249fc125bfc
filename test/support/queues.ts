/**
 * BullMQ queues for one test: a prefix of their own on the harness Redis, obliterated afterwards
 * (STYLE.md rule 17), and a logger whose lines the test can read.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { inject } from 'vitest';
import type { Logger } from '../../src/log.ts';
import { BullQueues } from '../../src/jobs/bullmq.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * Reads a child process's JSON log from `stream` a line at a time, handing each to `onLine` (a line
 * that is not JSON comes as `{ level: 60, msg: line }`).
 */
export function readLogLines(stream: NodeJS.ReadableStream, onLine: (line: LogLine) => void): void {
  let buffered = '';
  stream.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const p of parts) {
      let line: LogLine;
      try {
        line = JSON.parse(p) as LogLine;
      } catch {
        line = { level: 60, msg: p };
      }
      onLine(line);
    }
  });
}

/** A debug-level logger that keeps its lines (parsed) for assertions. */
export function captureLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

export interface TestQueues {
  queues: BullQueues;
  prefix: string;
  redisUrl: string;
  /** The variables that point a `kinetic` process at these queues (with DATABASE_URL). */
  env: Record<string, string>;
  /** Obliterates the queues, deletes any key left under the prefix, closes the connections. */
  cleanup(): Promise<void>;
}

/** The BullMQ backends the queue tests run on: Redis, and BullMQ's PostgreSQL backend (docs/jobs.md). */
export type TestQueueBackend = 'redis' | 'postgres';
export const QUEUE_BACKENDS: TestQueueBackend[] = ['redis', 'postgres'];

export function testPrefix(): string {
  return `kt-test-${randomBytes(4).toString('hex')}`;
}

/**
 * Queues of one test. On Redis under a prefix of its own; on Postgres (`backend: 'postgres'`) in the
 * `bullmq` schema of `databaseUrl`, the test file's database, whose queues each test obliterates
 * after it. Call `queues.prepare()` before starting workers (it creates the schema on Postgres).
 */
export function createTestQueues(log: Logger, opts: { backoffScale?: number; backend?: TestQueueBackend; databaseUrl?: string } = {}): TestQueues {
  const redisUrl = inject('redisUrl');
  const backoffScale = opts.backoffScale ?? 0.01;
  if (opts.backend === 'postgres') {
    if (opts.databaseUrl === undefined) throw new Error('createTestQueues: the Postgres backend needs the databaseUrl of the test database');
    const queues = new BullQueues({ postgresUrl: opts.databaseUrl, log, backoffScale });
    return {
      queues,
      prefix: queues.prefix,
      redisUrl,
      env: { KINETIC_QUEUE_BACKEND: 'postgres' },
      cleanup: async () => {
        await queues.obliterate();
        await queues.close();
      },
    };
  }
  const prefix = testPrefix();
  const queues = new BullQueues({ redisUrl, prefix, log, backoffScale });
  return {
    queues,
    prefix,
    redisUrl,
    env: { REDIS_URL: redisUrl, KINETIC_QUEUE_PREFIX: prefix },
    cleanup: async () => {
      await queues.obliterate();
      await queues.close();
      await deleteKeys(redisUrl, `${prefix}:*`);
    },
  };
}

/** Deletes the keys matching `pattern` (what obliterate leaves, e.g. the id counter). */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`, naming `what`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
