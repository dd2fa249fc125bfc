import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout is kept for command output). Never log tokens or secrets. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'kinetic' },
      redact: { paths: ['*.token', '*.accessToken', '*.refreshToken', '*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
