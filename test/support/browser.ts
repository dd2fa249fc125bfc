/**
 * Headless Chromium for the browser tests (test/browser): Debian's `chromium` package driven by
 * playwright-core (no browser download). `.ci/run` installs the package when it is missing; without
 * it the browser tests skip with a message naming the package.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive: `chromium` (or `chromium-browser`) on the PATH, else /usr/bin/chromium. */
export const CHROMIUM: string | undefined = [
  ...(process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '').flatMap((d) => [path.join(d, 'chromium'), path.join(d, 'chromium-browser')]),
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find(executable);

/** Why the browser tests are skipped, or undefined when Chromium is there. */
export const NO_CHROMIUM = CHROMIUM === undefined ? 'browser tests skipped: no chromium on the PATH or at /usr/bin/chromium (apt-get install -y chromium; .ci/run does this)' : undefined;

/** Headless Chromium; `--no-sandbox` only when running as root (Chromium refuses to start otherwise). */
export async function launchChromium(): Promise<Browser> {
  if (CHROMIUM === undefined) throw new Error(NO_CHROMIUM);
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ['--no-sandbox'] : [] });
}

/** test-artifacts/<name>/ (git-ignored), created: where a browser test saves its screenshots. */
export function artifactDir(name: string): string {
  const dir = path.resolve('test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
