/**
 * Configuration, parsed once from the environment. Nothing else in Kinetic reads `process.env`:
 * a bad variable fails at start with a message naming it.
 */
import path from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';

const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url().optional())
  .optional();

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const EnvSchema = z.object({
  DATABASE_URL: optionalUrl,
  KINETIC_DATA_DIR: z.string().trim().min(1).optional(),
  REDIS_URL: optionalUrl,
  KINETIC_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[\w.{}-]+$/, 'letters, digits, _ . - { } only (no spaces or colons)')
    .default('kinetic'),
  KINETIC_QUEUE_BACKEND: z.enum(['redis', 'postgres']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KINETIC_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(50 * 1024 * 1024),
  // Upload limits of the server (docs/security.md, "Limits"; docs/api.md, "Uploads"): 0 turns one off.
  KINETIC_MAX_REQUEST_FILES: z.coerce.number().int().min(0).default(1000),
  KINETIC_MAX_REQUEST_BYTES: z.coerce.number().int().min(0).default(256 * 1024 * 1024),
  KINETIC_MAX_EXPANDED_BYTES: z.coerce.number().int().min(0).default(512 * 1024 * 1024),
  KINETIC_DAILY_UPLOAD_FILES: z.coerce.number().int().min(0).default(5000),
  KINETIC_DAILY_UPLOAD_BYTES: z.coerce.number().int().min(0).default(1024 * 1024 * 1024),
  KINETIC_MAX_CONCURRENT_UNZIPS: z.coerce.number().int().min(0).default(2),
  KINETIC_IMPORT_FILE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  // How often the workers look for uploads left behind (docs/jobs.md, "Reconciliation").
  KINETIC_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(5 * 60_000),
  KINETIC_ADMIN_TOKEN: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(16, 'at least 16 characters (use a long random value)').optional())
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Connection timeouts of `kinetic serve` (docs/security.md, "Limits"); 0 turns one off.
  KINETIC_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  KINETIC_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(300_000),
  KINETIC_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
  KINETIC_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).default(72_000),
  KINETIC_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  // Strava (docs/strava.md).
  STRAVA_API_URL: z.url().default('https://www.strava.com/api/v3'),
  STRAVA_OAUTH_URL: z.url().default('https://www.strava.com/oauth'),
  STRAVA_CLIENT_ID: optionalText.pipe(z.string().regex(/^\d+$/, 'the numeric Client ID of the Strava API application').optional()).optional(),
  STRAVA_CLIENT_SECRET: optionalText,
  STRAVA_VERIFY_TOKEN: optionalText,
  KINETIC_SECRET: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(32, 'at least 32 characters (use a long random value)').optional())
    .optional(),
  SMTP_URL: optionalUrl,
  KINETIC_MAIL_FROM: z.string().trim().min(3).default('Kinetic <kinetic@localhost>'),
  KINETIC_PUBLIC_URL: optionalUrl,
  // Limits (docs/security.md, "Limits"): 0 turns a limit off.
  KINETIC_TRUST_PROXY: optionalText,
  KINETIC_API_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  KINETIC_SIGNIN_RATE_LIMIT_ADDRESS: z.coerce.number().int().min(0).default(5),
  KINETIC_SIGNIN_RATE_LIMIT_IP: z.coerce.number().int().min(0).default(20),
});

/**
 * Fastify's `trustProxy` from KINETIC_TRUST_PROXY: unset or `false` → the client is the socket's
 * peer (X-Forwarded-For is ignored); a comma-separated list of the proxies' addresses or CIDR ranges
 * (`127.0.0.1`, `10.0.0.0/8`) → X-Forwarded-For is believed from those peers only; `true` → from any
 * peer (only when nothing but the proxy can reach the port). A hop count is refused: it cannot check
 * who sent the header.
 */
export type TrustProxy = boolean | string[];

function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) {
    throw new ConfigError('invalid environment:\n  KINETIC_TRUST_PROXY: name the proxy by its address or range (e.g. 127.0.0.1 or 10.0.0.0/8), not by a hop count');
  }
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export interface Config {
  /** Postgres connection string; undefined → embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Redis for the BullMQ job queues; undefined → jobs run in-process (embedded mode). */
  redisUrl: string | undefined;
  /** Prefix of every BullMQ key, so several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  /**
   * Where jobs go: `inline` (embedded mode, run in-process), `redis` (BullMQ on REDIS_URL, the
   * default when it is set) or `postgres` (BullMQ's PostgreSQL backend on DATABASE_URL, opted in with
   * KINETIC_QUEUE_BACKEND=postgres). See docs/jobs.md.
   */
  queueBackend: 'inline' | 'redis' | 'postgres';
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  maxUploadBytes: number;
  /**
   * What one upload request (`POST /athletes/:id/uploads`, the web form) and one athlete may hand the
   * server (docs/api.md, "Uploads"); Infinity → off (the variable set to 0). `kinetic import` has none
   * of these: its files are the operator's own.
   */
  uploadLimits: {
    /** FIT files one request may store, archive entries included: KINETIC_MAX_REQUEST_FILES. */
    requestFiles: number;
    /** Bytes of files one request may carry, and of FIT files it may store: KINETIC_MAX_REQUEST_BYTES. */
    requestBytes: number;
    /** Bytes the archives and gzips of one request may inflate to, every level of nesting counted: KINETIC_MAX_EXPANDED_BYTES. */
    expandedBytes: number;
    /** FIT files stored per athlete in any 24 hours: KINETIC_DAILY_UPLOAD_FILES. */
    dailyFiles: number;
    /** Bytes of FIT files stored per athlete in any 24 hours: KINETIC_DAILY_UPLOAD_BYTES. */
    dailyBytes: number;
    /** Archives the server expands at once (more wait their turn, a few; then 503): KINETIC_MAX_CONCURRENT_UNZIPS. */
    concurrentUnzips: number;
  };
  /**
   * Time `kinetic import` gives one file to decode before abandoning it (milliseconds); undefined →
   * the decoder's own limit (60 s, FILE_TIME_LIMIT_MS in src/ingest/fit/decode-pool.ts). Set short by
   * the tests of that limit.
   */
  importFileTimeoutMs: number | undefined;
  /** Period of the `reconcile` job scheduler (milliseconds): KINETIC_RECONCILE_INTERVAL_MS, default 5 minutes. */
  reconcileIntervalMs: number;
  /** Bearer token of the HTTP API's administrator; undefined → admin routes are disabled (401). */
  adminToken: string | undefined;
  /** Port of `kinetic serve` when `--port` is not given; undefined → 3000. */
  port: number | undefined;
  /** Connection timeouts of the HTTP server, in milliseconds; 0 → none (docs/security.md, "Limits"). */
  timeouts: {
    /** A request's headers must arrive within this (KINETIC_HEADERS_TIMEOUT_MS). */
    headersMs: number;
    /** A whole request, body included, must arrive within this (KINETIC_REQUEST_TIMEOUT_MS). */
    requestMs: number;
    /** A connection on which nothing is sent or received for this long is closed (KINETIC_IDLE_TIMEOUT_MS). */
    idleMs: number;
    /** A kept-alive connection waiting for its next request is closed after this (KINETIC_KEEP_ALIVE_TIMEOUT_MS). */
    keepAliveMs: number;
    /** On SIGTERM, connections still busy after this are closed (KINETIC_SHUTDOWN_GRACE_MS). */
    shutdownGraceMs: number;
  };
  /** The Strava API application and endpoints (docs/strava.md); Strava needs `secret` too (token encryption). */
  strava: {
    apiUrl: string;
    oauthUrl: string;
    clientId: string | undefined;
    clientSecret: string | undefined;
    /** The verify token of the webhook subscription (`kinetic strava subscribe`). */
    verifyToken: string | undefined;
  };
  /** Signs the web session cookies (docs/web.md); undefined → a random key per process (sessions end at restart). */
  secret: string | undefined;
  /** SMTP server for email (sign-in links, reports), e.g. smtp://user:pass@host:587; undefined → no email. */
  smtpUrl: string | undefined;
  /** From address of Kinetic's emails. */
  mailFrom: string;
  /**
   * The address people open Kinetic at (links in emails, the Strava redirect, calendar feeds; https →
   * Secure cookies); undefined → the address `kinetic serve` listens on. Never taken from a request.
   */
  publicUrl: string | undefined;
  /** Which proxies' X-Forwarded-For to believe (Fastify `trustProxy`, KINETIC_TRUST_PROXY); false → none. */
  trustProxy: TrustProxy;
  /** Rate limits (docs/security.md, "Limits"); 0 → off. */
  rateLimits: {
    /** Requests per minute per API token or browser session (per client address without one): KINETIC_API_RATE_LIMIT. */
    apiPerMinute: number;
    /** Sign-in links per hour per address (lower-cased, `+tag` removed): KINETIC_SIGNIN_RATE_LIMIT_ADDRESS. */
    signinPerAddressPerHour: number;
    /** Sign-in requests per 15 minutes per client address: KINETIC_SIGNIN_RATE_LIMIT_IP. */
    signinPerIpPer15Min: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.REDIS_URL !== undefined && e.DATABASE_URL === undefined) {
    // Jobs queued on Redis run in `kinetic worker` processes, which cannot open this process's
    // embedded database (PGlite is single-process): production mode is Postgres and Redis together.
    throw new ConfigError('invalid environment:\n  REDIS_URL: needs DATABASE_URL too (workers cannot share the embedded database)');
  }
  if (e.KINETIC_QUEUE_BACKEND === 'postgres' && e.DATABASE_URL === undefined) {
    throw new ConfigError('invalid environment:\n  KINETIC_QUEUE_BACKEND: postgres needs DATABASE_URL (the queues live in that database)');
  }
  if (e.KINETIC_QUEUE_BACKEND === 'redis' && e.REDIS_URL === undefined) {
    throw new ConfigError('invalid environment:\n  KINETIC_QUEUE_BACKEND: redis needs REDIS_URL');
  }
  if (e.KINETIC_REQUEST_TIMEOUT_MS > 0 && e.KINETIC_HEADERS_TIMEOUT_MS > e.KINETIC_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid environment:\n  KINETIC_HEADERS_TIMEOUT_MS: must not be longer than KINETIC_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.KINETIC_DATA_DIR ?? envPaths('kinetic', { suffix: '' }).data),
    redisUrl: e.REDIS_URL,
    queuePrefix: e.KINETIC_QUEUE_PREFIX,
    queueBackend: e.KINETIC_QUEUE_BACKEND ?? (e.REDIS_URL === undefined ? 'inline' : 'redis'),
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.KINETIC_MAX_UPLOAD_BYTES,
    uploadLimits: {
      requestFiles: e.KINETIC_MAX_REQUEST_FILES || Infinity,
      requestBytes: e.KINETIC_MAX_REQUEST_BYTES || Infinity,
      expandedBytes: e.KINETIC_MAX_EXPANDED_BYTES || Infinity,
      dailyFiles: e.KINETIC_DAILY_UPLOAD_FILES || Infinity,
      dailyBytes: e.KINETIC_DAILY_UPLOAD_BYTES || Infinity,
      concurrentUnzips: e.KINETIC_MAX_CONCURRENT_UNZIPS || Infinity,
    },
    importFileTimeoutMs: e.KINETIC_IMPORT_FILE_TIMEOUT_MS,
    reconcileIntervalMs: e.KINETIC_RECONCILE_INTERVAL_MS,
    adminToken: e.KINETIC_ADMIN_TOKEN,
    port: e.PORT,
    timeouts: {
      headersMs: e.KINETIC_HEADERS_TIMEOUT_MS,
      requestMs: e.KINETIC_REQUEST_TIMEOUT_MS,
      idleMs: e.KINETIC_IDLE_TIMEOUT_MS,
      keepAliveMs: e.KINETIC_KEEP_ALIVE_TIMEOUT_MS,
      shutdownGraceMs: e.KINETIC_SHUTDOWN_GRACE_MS,
    },
    strava: {
      apiUrl: e.STRAVA_API_URL,
      oauthUrl: e.STRAVA_OAUTH_URL,
      clientId: e.STRAVA_CLIENT_ID,
      clientSecret: e.STRAVA_CLIENT_SECRET,
      verifyToken: e.STRAVA_VERIFY_TOKEN,
    },
    secret: e.KINETIC_SECRET,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.KINETIC_MAIL_FROM,
    publicUrl: e.KINETIC_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: parseTrustProxy(e.KINETIC_TRUST_PROXY),
    rateLimits: {
      apiPerMinute: e.KINETIC_API_RATE_LIMIT,
      signinPerAddressPerHour: e.KINETIC_SIGNIN_RATE_LIMIT_ADDRESS,
      signinPerIpPer15Min: e.KINETIC_SIGNIN_RATE_LIMIT_IP,
    },
  };
}
