/**
 * `kinetic serve` in its own process for a test: its JSON log lines, its address, its memory.
 *
 * NOTE: reconstructed by the #17 (export/timeouts/errors/headers) helper after it overwrote this
 * untracked file by mistake; the API (`serve`, `memoryOf`, `stop`) follows its use in
 * test/scratch-zipmem/explore.test.ts. Replace it with the original if you still have it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { BIN } from './cli.ts';
import { waitFor, type LogLine } from './queues.ts';

export interface Served {
  child: ChildProcess;
  lines: LogLine[];
  exit: Promise<number | null>;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** SIGTERM, then SIGKILL after 30 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function serve(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL' && k !== 'PORT'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env: { ...inherited, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: LogLine[] = [];
  let buffered = '';
  child.stderr.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        lines.push({ level: 60, msg: p });
      }
    }
  });
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

/** Samples a process's resident memory every `everyMs` until stopped; `max` is the highest sample. */
export function sampleRss(pid: number, everyMs = 25): { stop(): { max: number; samples: number } } {
  let max = 0;
  let samples = 0;
  const take = (): void => {
    try {
      max = Math.max(max, memoryOf(pid).rss);
      samples++;
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
      return { max, samples };
    },
  };
}
