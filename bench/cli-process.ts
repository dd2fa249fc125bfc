/**
 * Running the real `kinetic` command (bin/kinetic.js, the compiled build) as a user would, for the
 * benchmarks: wall time, exit code, output, and the process's peak RSS and CPU time (bench/usage-preload.js).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BIN = path.join(ROOT, 'bin/kinetic.js');
const PRELOAD = new URL('./usage-preload.js', import.meta.url).href;

export interface CliRun {
  code: number | null;
  wallS: number;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process, MiB. */
  maxRssMiB: number;
  /** User + system CPU time of the process (all its threads), seconds. */
  cpuS: number;
}

/** `npm run build`: the benchmarks measure the compiled command, so it must be the current code. */
export function buildOnce(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'tools/build.js')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** Runs `kinetic <args>` with only the given Kinetic variables (like test/support/cli.ts). */
export function runKinetic(args: string[], env: Record<string, string>): Promise<CliRun> {
  const usageFile = path.join(os.tmpdir(), `kinetic-bench-usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'));
  const nodeOptions = `${base.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim();
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env, NODE_OPTIONS: nodeOptions, BENCH_USAGE_FILE: usageFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      let usage = { maxRssKb: 0, userUs: 0, systemUs: 0 };
      try {
        usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as typeof usage;
        fs.rmSync(usageFile);
      } catch {
        // The process died before writing it: no usage figures.
      }
      child.on('close', () => resolve({ code, wallS, stdout, stderr, maxRssMiB: usage.maxRssKb / 1024, cpuS: (usage.userUs + usage.systemUs) / 1e6 }));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
