#!/usr/bin/env node
// The `kinetic` command. Runs the compiled JavaScript in dist/ (`npm run build`; `npm ci` builds it
// through the `prepare` script and the test harness rebuilds it before every run). For development,
// KINETIC_FROM_SOURCE=1 (`npm run dev -- <args>`) runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import v8 from 'node:v8';

// The embedded database is Postgres compiled to WebAssembly (10 MB). V8 compiles it with its baseline
// compiler, then recompiles hot functions with its optimizing one in the background; a command is over
// before that pays off, and the main thread waits for it (`kinetic athlete list`: 1.5 s of CPU instead
// of 1.05 s; `kinetic demo`: 11 s instead of 7 s). So every command but the long-running server keeps
// the baseline code (docs/PERFORMANCE.md, "CLI start"). x64 and arm64 only, where the baseline compiler
// covers all of WebAssembly.
if (process.argv[2] !== 'serve' && (process.arch === 'x64' || process.arch === 'arm64')) v8.setFlagsFromString('--liftoff-only');

let entry = '../dist/src/cli/main.js';
if (process.env.KINETIC_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/main.ts';
} else if (!existsSync(new URL(entry, import.meta.url))) {
  process.stderr.write(
    'kinetic: the compiled code (dist/) is missing: run `npm run build` (or `npm run dev -- <args>` to run the TypeScript sources)\n',
  );
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
