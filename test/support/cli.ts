import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real command, which runs the compiled code in dist/: test/global-setup.ts builds it before the tests. */
export const BIN = fileURLToPath(new URL('../../bin/kinetic.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kinetic` as a user would, in its own process, with only the given Kinetic variables set. */
export function runCli(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KINETIC_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL'),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
