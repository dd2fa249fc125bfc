/**
 * `npm run build` (also the `prepare` script, so `npm ci` builds, and the test harness before every
 * run): compiles src/ and migrations/ to dist/ with `tsc -b tsconfig.build.json` — incremental, about
 * a second when nothing changed — then mirrors into dist/src/ the files src/ loads at run time that
 * tsc does not emit (src/web/static/*, the FIT decode worker's JavaScript entry, …: every file under
 * src/ that is not TypeScript), and deletes compiled files whose source is gone.
 *
 *   node tools/build.js                      exits 1 on a type error (npm run build)
 *   node tools/build.js --allow-type-errors  reports type errors but exits 0 when tsc emitted the
 *                                            JavaScript anyway (the test harness: tests run the code
 *                                            as it is, `npm run typecheck` is the type check)
 *
 * One build at a time per checkout (a lock file in dist/): several test runs may start together.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const LOCK = path.join(DIST, '.build.lock');
const allowTypeErrors = process.argv.includes('--allow-type-errors');

/** Compiled sources that are not part of the build (tsconfig.build.json excludes them). */
const EXCLUDED = /\.test\.js(\.map)?$/;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function lock() {
  fs.mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(LOCK, 'utf8').trim());
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      fs.rmSync(LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another build (process ${holder}) has held ${LOCK} for 10 minutes`);
    sleep(200);
  }
}

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile()) yield full;
  }
}

/** Copies every non-TypeScript file of src/ to dist/src/ when it is missing there or differs. */
function copyAssets() {
  let copied = 0;
  for (const from of walk(path.join(ROOT, 'src'))) {
    if (from.endsWith('.ts')) continue;
    const to = path.join(DIST, path.relative(ROOT, from));
    const a = fs.statSync(from);
    const b = fs.statSync(to, { throwIfNoEntry: false });
    if (b !== undefined && b.size === a.size && b.mtimeMs >= a.mtimeMs) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    copied++;
  }
  return copied;
}

/** Deletes files under dist/src and dist/migrations whose TypeScript source (or asset) no longer exists. */
function prune() {
  let removed = 0;
  for (const top of ['src', 'migrations']) {
    for (const file of walk(path.join(DIST, top))) {
      const source = path.join(ROOT, path.relative(DIST, file));
      const ts = source.replace(/\.js(\.map)?$/, '.ts');
      const keep = !EXCLUDED.test(file) && ((ts !== source && fs.existsSync(ts)) || fs.existsSync(source));
      if (!keep) {
        fs.rmSync(file);
        removed++;
      }
    }
  }
  return removed;
}

lock();
let status;
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (result.error !== undefined) throw result.error;
  status = result.status ?? 1;
  copyAssets();
  prune();
} finally {
  fs.rmSync(LOCK, { force: true });
}
// tsc -b still writes the JavaScript when there are type errors (noEmitOnError is off).
const emitted = fs.existsSync(path.join(DIST, 'src/cli/main.js'));
if (status !== 0 && allowTypeErrors && emitted) {
  process.stderr.write('build: tsc reported the errors above; the JavaScript was emitted anyway (npm run typecheck checks types)\n');
  status = 0;
}
process.exitCode = status;
