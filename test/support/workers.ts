/**
 * `kinetic worker` processes for integration tests: each one's JSON log lines (stderr) are parsed and
 * kept, and a test can react to a line the moment it arrives (e.g. SIGKILL a worker as soon as it
 * starts a job).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.ts';
import { readLogLines, type LogLine } from './queues.ts';

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  lines: LogLine[];
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Calls `fn` for every line from now on (synchronously, as it arrives); returns an unsubscribe. */
  onLine(fn: (line: LogLine) => void): () => void;
  /** True while the process runs. */
  alive(): boolean;
}

/** Starts `kinetic worker <args>` with only the given Kinetic variables set (like `runCli`). */
export function startWorker(env: Record<string, string>, args: string[] = []): WorkerProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'),
  );
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  readLogLines(child.stderr, (line) => {
    lines.push(line);
    for (const fn of listeners) fn(line);
  });
  let exited = false;
  // Resolved on 'close', when every line the process wrote has been read; but at most 2 s after
  // 'exit', since a grandchild (tsx's esbuild service) may hold the stderr pipe open a while longer.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      setTimeout(() => resolve({ code, signal }), 2000).unref();
    });
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    lines,
    exit,
    onLine: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    alive: () => !exited,
  };
}
