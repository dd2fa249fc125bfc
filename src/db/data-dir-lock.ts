/**
 * One process at a time on an embedded (PGlite) data folder. PGlite is Postgres in single-user mode
 * and takes no lock of its own: a second process opening the same folder (a `kinetic import` while
 * `kinetic serve` runs, say) does not see the first one's writes and can corrupt the folder for good.
 * So the folder gets a lock file beside it, `<folder>.lock`, created exclusively and holding the
 * owner's process id and command: a second process fails at once with an error naming the owner; a
 * lock left by a process that no longer runs (killed) is taken over. Opening the folder again in the
 * same process shares the lock; it is removed when the last handle closes, or when the process exits.
 */
import fs from 'node:fs';
import path from 'node:path';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database ${dataDir} is in use by another Kinetic process (pid ${holder.pid}: kinetic ${holder.command || '?'}, since ${holder.since}). ` +
        'The embedded database takes one process at a time: stop that one first, or run Kinetic on Postgres (DATABASE_URL) to use several processes at once',
    );
  }
}

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

const held = new Map<string, number>();

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, command: String(parsed.command ?? ''), since: String(parsed.since ?? '?') } : undefined;
  } catch {
    return undefined; // gone, or half-written: treated as not held
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a data folder. */
export function lockFileOf(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

/** Takes the folder's lock (or shares this process's); returns the release. Throws `DataDirInUseError`. */
export function lockDataDir(dataDir: string): () => void {
  const file = lockFileOf(dataDir);
  const count = held.get(file) ?? 0;
  if (count === 0) {
    const mine: LockHolder = { pid: process.pid, command: process.argv.slice(2).join(' '), since: new Date().toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readHolder(file);
        const live = holder !== undefined && holder.pid !== process.pid && running(holder.pid);
        // A second EEXIST means another process took the lock between our look and our write.
        if (holder !== undefined && (live || attempt > 0)) throw new DataDirInUseError(dataDir, holder);
        if (attempt > 0) throw err;
        fs.rmSync(file, { force: true }); // left by a process that is gone
      }
    }
    process.once('exit', () => removeIfMine(file));
  }
  held.set(file, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(file) ?? 1) - 1;
    if (left > 0) held.set(file, left);
    else {
      held.delete(file);
      removeIfMine(file);
    }
  };
}

function removeIfMine(file: string): void {
  if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
