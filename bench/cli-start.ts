/**
 * `npm run bench -- cli-start`: how long the real command (bin/kinetic.js, compiled) takes to start
 * and finish, spawned as a user runs it — `kinetic --help`; `kinetic athlete list` on an empty,
 * already initialised embedded database; and the same on a new data folder (PGlite's initdb and every
 * migration). Medians of several runs; wall time and the process's CPU time (all threads).
 * Targets: --help ≤ 0.5 s, athlete list ≤ 1.5 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildOnce, median, runKinetic, type CliRun } from './cli-process.ts';

async function repeat(times: number, run: (i: number) => Promise<CliRun>): Promise<CliRun[]> {
  const out: CliRun[] = [];
  for (let i = 0; i < times; i++) {
    const r = await run(i);
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
    out.push(r);
  }
  return out;
}

function row(what: string, runs: CliRun[]): string {
  const walls = runs.map((r) => r.wallS);
  return `| ${what} | ${runs.length} | **${median(walls).toFixed(2)}** | ${Math.min(...walls).toFixed(2)} – ${Math.max(...walls).toFixed(2)} | ${median(runs.map((r) => r.cpuS)).toFixed(2)} | ${median(runs.map((r) => r.maxRssMiB)).toFixed(0)} |`;
}

export async function benchCliStart(): Promise<void> {
  buildOnce();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-cli-start-'));
  try {
    const initialised = path.join(tmp, 'initialised');
    await runKinetic(['athlete', 'list'], { KINETIC_DATA_DIR: initialised });
    const help = await repeat(9, () => runKinetic(['--help'], {}));
    const version = await repeat(5, () => runKinetic(['--version'], {}));
    const list = await repeat(9, () => runKinetic(['athlete', 'list'], { KINETIC_DATA_DIR: initialised }));
    const fresh = await repeat(3, (i) => runKinetic(['athlete', 'list'], { KINETIC_DATA_DIR: path.join(tmp, `fresh-${i}`) }));
    console.log('\n### CLI start (median of runs; spawned bin/kinetic.js, compiled)\n');
    console.log('| command | runs | wall s (median) | wall s (min – max) | CPU s (median) | peak RSS MiB |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [what, runs] of [
      ['`kinetic --help`', help],
      ['`kinetic --version`', version],
      ['`kinetic athlete list`, empty initialised embedded database', list],
      ['`kinetic athlete list`, new data folder (initdb + migrations)', fresh],
    ] as const) {
      console.log(row(what, runs));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
