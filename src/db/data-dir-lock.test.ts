import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, lockFileOf } from './data-dir-lock.ts';

const dirs: string[] = [];
function tempDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinetic-lock-'));
  dirs.push(root);
  return path.join(root, 'db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A process that sleeps until killed, and a promise of its end. */
function sleeper(): { pid: number; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { pid: child.pid!, stop: () => (child.kill('SIGKILL'), ended) };
}

describe('data folder lock', () => {
  it('is a file beside the folder with this process id, shared within the process, removed by the last release', () => {
    const dir = tempDir();
    const first = lockDataDir(dir);
    const file = lockFileOf(dir);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
    const second = lockDataDir(dir);
    first();
    first(); // a second call of the same release changes nothing
    expect(fs.existsSync(file)).toBe(true);
    second();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a folder another running process holds, naming it; takes over once that process is gone', async () => {
    const dir = tempDir();
    const other = sleeper();
    fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: other.pid, command: 'serve --port 3000', since: '2026-11-26T10:00:00.000Z' }));
    let err: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirInUseError);
    expect((err as Error).message).toContain(`pid ${other.pid}: kinetic serve --port 3000`);
    expect((err as Error).message).toContain('DATABASE_URL');
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: other.pid });

    await other.stop();
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('takes over an unreadable lock file (a crash while writing it)', () => {
    const dir = tempDir();
    fs.writeFileSync(lockFileOf(dir), '{"pid":');
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });
});
