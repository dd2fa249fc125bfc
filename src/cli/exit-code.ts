/**
 * The command's exit status. Not `process.exitCode`: PGlite saves and restores that variable around
 * its own work, so a value set by a command could be overwritten before the process ends.
 */
let failed = false;

export function markFailed(): void {
  failed = true;
}

export function takeExitCode(): number {
  const code = failed ? 1 : 0;
  failed = false;
  return code;
}
