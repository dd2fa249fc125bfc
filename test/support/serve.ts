/**
 * `kinetic serve` in its own process, as a user runs it: its JSON log lines, its address, its exit, and
 * its memory (resident set size from /proc, Linux) for the tests that bound it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { BIN } from './cli.ts';
import { readLogLines, waitFor, type LogLine } from './queues.ts';

export interface Served {
  child: ChildProcess;
  lines: LogLine[];
  exit: Promise<number | null>;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** SIGTERM, then SIGKILL after 30 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `kinetic serve --port 0` with only the given Kinetic variables set; resolves once it listens.
 * `bin`: another build's bin/kinetic.js (a benchmark of the code before a change).
 */
export async function serve(env: Record<string, string>, args: string[] = [], bin = BIN): Promise<Served> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL' && k !== 'PORT'));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env: { ...inherited, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: LogLine[] = [];
  readLogLines(child.stderr, (line) => lines.push(line));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('kinetic serve to listen', () => lines.some((l) => l.msg === 'api listening') || child.exitCode !== null, 60_000);
  const listening = lines.find((l) => l.msg === 'api listening');
  if (listening === undefined) throw new Error(`kinetic serve did not start: ${JSON.stringify(lines)}`);
  return {
    child,
    lines,
    exit,
    base: listening.address as string,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        return await exit;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** Resident set size of a process now and at its peak (VmRSS, VmHWM), in bytes (Linux). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * Samples a process's RSS every `everyMs` until stopped: the highest sample, and the highest of each
 * quarter of the time (memory that grows with the work shows as rising quarters).
 */
export function sampleRss(pid: number, everyMs = 25): { stop(): { max: number; samples: number; quarters: number[] } } {
  const samples: { at: number; rss: number }[] = [];
  const take = (): void => {
    try {
      samples.push({ at: Date.now(), rss: memoryOf(pid).rss });
    } catch {
      // The process has exited.
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const first = samples[0]?.at ?? 0;
      const span = Math.max(1, (samples.at(-1)?.at ?? 0) - first);
      const quarters = [0, 0, 0, 0];
      for (const s of samples) {
        const q = Math.min(3, Math.floor(((s.at - first) / span) * 4));
        quarters[q] = Math.max(quarters[q]!, s.rss);
      }
      return { max: Math.max(0, ...samples.map((s) => s.rss)), samples: samples.length, quarters };
    },
  };
}
