import { Command, InvalidArgumentError } from 'commander';
import { withContext } from '../context.ts';

const DEFAULT_PORT = 3000;
const DEFAULT_HOST = '127.0.0.1';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be a whole number from 0 to 65535 (0: any free port)');
  return n;
}

/** Resolves with the first SIGTERM or SIGINT; a second one gets Node's default (the process ends at once). */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
  });
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the HTTP API (docs/api.md) until SIGTERM or SIGINT; embedded mode runs queued jobs in this process')
    .option('--port <n>', `port to listen on (default PORT, else ${DEFAULT_PORT})`, port)
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', DEFAULT_HOST)
    .action(async (opts: { port?: number; host: string }) => {
      const [{ buildServer, closeServer }, { loadConfig }, { createLogger }, { createJobQueue }] = await Promise.all([
        import('../../server/server.ts'),
        import('../../config.ts'),
        import('../../log.ts'),
        import('../../workers/runner.ts'),
      ]);
      const config = loadConfig();
      await withContext(async ({ db, now, mail, decodePool }) => {
        // A long-running process logs at the configured level (commands keep `info` quiet).
        const log = createLogger(config.logLevel);
        const jobs = createJobQueue(config, { db, log, now, mail, decodePool });
        try {
          const app = await buildServer({ db, log, jobs, config, now });
          const stopped = firstSignal();
          const address = await app.listen({ port: opts.port ?? config.port ?? DEFAULT_PORT, host: opts.host });
          log.info(
            { address, pid: process.pid, jobs: config.queueBackend === 'inline' ? 'in-process' : `bullmq (${config.queueBackend})`, database: config.databaseUrl === undefined ? 'embedded' : 'postgres' },
            'api listening',
          );
          if (config.adminToken === undefined) log.warn('KINETIC_ADMIN_TOKEN is not set: admin routes (POST /athletes, /admin/queues) answer 401');
          const signal = await stopped;
          log.info({ signal, graceMs: config.timeouts.shutdownGraceMs }, 'closing: no new requests; finishing in-flight requests and queued jobs');
          // Requests still running after the grace period (a stalled upload) have their connections closed.
          await closeServer(app, config.timeouts.shutdownGraceMs);
          log.info({ pid: process.pid }, 'api stopped');
        } finally {
          await jobs.close();
        }
      });
    });
}
