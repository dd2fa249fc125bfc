/**
 * The dependency check (`npm run check:deps`, .dependency-cruiser.cjs, docs/architecture.md) fails on
 * what it is there to catch. A throwaway tree shaped like Kinetic's — one file per layer — is checked
 * with the project's own rules: clean, it passes; with one deliberate violation of each kind, it fails
 * naming the rule and the import.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** A clean miniature of the layers: each file imports one layer down. */
const CLEAN: Record<string, string> = {
  'src/domain/week.ts': `export type Week = { iso: string };\n`,
  'src/util/clamp.ts': `export const clamp = (x: number) => Math.max(0, x);\n`,
  'src/log.ts': `export const log = (m: string) => m;\n`,
  'src/plan/plan.ts': `import type { Week } from '../domain/week.ts';\nexport const plan = (w: Week) => w.iso;\n`,
  'src/analysis/load.ts': `import { plan } from '../plan/plan.ts';\nexport const load = () => plan({ iso: 'x' });\n`,
  'src/report/model.ts': `import { load } from '../analysis/load.ts';\nexport const model = () => load();\n`,
  'src/db/rows.ts': `import type { Week } from '../domain/week.ts';\nimport { log } from '../log.ts';\nexport const rows = (w: Week) => log(w.iso);\n`,
  'src/services/reports.ts': `import { model } from '../report/model.ts';\nimport { rows } from '../db/rows.ts';\nexport const build = () => [model(), rows({ iso: 'x' })];\n`,
  'src/http/plumbing.ts': `export const ok = 200;\n`,
  'src/api/routes.ts': `import { ok } from '../http/plumbing.ts';\nimport { build } from '../services/reports.ts';\nexport const route = () => [ok, build()];\n`,
  'src/web/pages.ts': `import { ok } from '../http/plumbing.ts';\nexport const page = () => ok;\n`,
  'src/server/app.ts': `import { route } from '../api/routes.ts';\nimport { page } from '../web/pages.ts';\nexport const app = () => [route(), page()];\n`,
  'src/cli/main.ts': `import { app } from '../server/app.ts';\nexport const main = () => app();\n`,
  'test/support/helper.ts': `export const helper = 1;\n`,
};

/** One deliberate violation per rule: the files to add, the rule that must fire and the import it names. */
const VIOLATIONS: Array<{ rule: string; files: Record<string, string>; from: string; to: string }> = [
  {
    rule: 'no-circular',
    files: {
      'src/plan/a.ts': `import { b } from './b.ts';\nexport const a = () => b();\n`,
      'src/plan/b.ts': `import { a } from './a.ts';\nexport const b = (): unknown => a;\n`,
    },
    from: 'src/plan/a.ts',
    to: 'src/plan/b.ts',
  },
  {
    rule: 'domain-is-ground',
    files: { 'src/domain/upward.ts': `import { plan } from '../plan/plan.ts';\nexport const up = plan;\n` },
    from: 'src/domain/upward.ts',
    to: 'src/plan/plan.ts',
  },
  {
    rule: 'report-is-core',
    files: { 'src/report/stores.ts': `import { rows } from '../db/rows.ts';\nexport const s = rows;\n` },
    from: 'src/report/stores.ts',
    to: 'src/db/rows.ts',
  },
  {
    rule: 'core-does-no-io',
    files: { 'src/analysis/reads.ts': `import fs from 'node:fs';\nexport const r = () => fs.readFileSync('x');\n` },
    from: 'src/analysis/reads.ts',
    to: 'fs',
  },
  {
    rule: 'db-adapter',
    files: { 'src/db/typed.ts': `import { model } from '../report/model.ts';\nexport const t = model;\n` },
    from: 'src/db/typed.ts',
    to: 'src/report/model.ts',
  },
  {
    rule: 'api',
    files: { 'src/api/page.ts': `import { page } from '../web/pages.ts';\nexport const p = page;\n` },
    from: 'src/api/page.ts',
    to: 'src/web/pages.ts',
  },
  {
    rule: 'services',
    files: { 'src/services/calls-up.ts': `import { route } from '../api/routes.ts';\nexport const c = route;\n` },
    from: 'src/services/calls-up.ts',
    to: 'src/api/routes.ts',
  },
  {
    rule: 'no-test-code-in-src',
    files: { 'src/util/uses-test.ts': `import { helper } from '../../test/support/helper.ts';\nexport const u = helper;\n` },
    from: 'src/util/uses-test.ts',
    to: 'test/support/helper.ts',
  },
  {
    rule: 'known-folders-only',
    files: { 'src/misc/stray.ts': `import { clamp } from '../util/clamp.ts';\nexport const stray = clamp;\n` },
    from: 'src/misc/stray.ts',
    to: 'src/util/clamp.ts',
  },
];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

let dir: string;

function writeTree(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/** The check as CI runs it (its exit code and message), and the same check's findings as JSON. */
function check(): { code: number | null; message: string; violations: Violation[] } {
  const cruise = (output: string) =>
    spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', output], { cwd: dir, encoding: 'utf8' });
  const asCi = cruise('err');
  const json = cruise('json');
  if (json.stdout.trim() === '') throw new Error(`dependency-cruiser printed nothing: ${json.stderr}`);
  const out = JSON.parse(json.stdout) as { summary: { violations: Violation[] } };
  return { code: asCi.status, message: asCi.stdout + asCi.stderr, violations: out.summary.violations };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-layers-'));
  fs.copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the dependency check (.dependency-cruiser.cjs)', () => {
  it('passes a tree that keeps to the layers', () => {
    writeTree(CLEAN);
    const { code, violations } = check();
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });

  it.each(VIOLATIONS)('fails on a deliberate $rule violation, naming the import', ({ rule, files, from, to }) => {
    writeTree(files);
    try {
      const { code, message, violations } = check();
      expect(code).not.toBe(0);
      expect(message).toContain(`${rule}: ${from}`);
      expect(violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`)).toContain(`${rule} ${from} -> ${to}`);
      // Only the deliberate violation fires: the rest of the tree is still clean.
      expect(violations.filter((v) => !(v.from in files))).toEqual([]);
    } finally {
      for (const file of Object.keys(files)) fs.rmSync(path.join(dir, file));
    }
  });
});
