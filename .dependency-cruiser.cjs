// @ts-check
/**
 * The layers of docs/architecture.md, checked by dependency-cruiser (`npm run check:deps`, run in .ci/run).
 * Every arrow in the picture is a rule here; a change to one is a change to the other.
 *
 *   entry points   cli → server → api, web → http;  workers
 *   services       src/services
 *   pure core      report → recommend → analysis → plan;  synth → plan        (no I/O)
 *   adapters       ingest/fit, ingest/strava, ingest/plan, ingest/archive, db, email, jobs
 *   ground         domain, util, config.ts, log.ts
 */

const GROUND = ['^src/domain/', '^src/util/', '^src/config\\.ts$', '^src/log\\.ts$'];
const CORE = ['^src/plan/', '^src/analysis/', '^src/recommend/', '^src/report/', '^src/synth/'];
const ADAPTERS = ['^src/ingest/', '^src/db/', '^src/email/', '^src/jobs/'];
const SERVICES = ['^src/services/'];
const ENTRY = ['^src/cli/', '^src/server/', '^src/api/', '^src/web/', '^src/http/', '^src/workers/'];

/** A rule: files under `from` may import only what `allowed` matches (plus npm packages and node: modules). */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: '\\.test\\.ts$' },
    to: { path: '^src/', pathNot: allowed },
  };
}
const any = (patterns) => patterns.join('|');
const own = (folder) => `^src/${folder}/`;

/** Node modules that do I/O: the pure core computes, it does not read, write, listen or spawn. */
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|worker_threads|cluster|dgram|dns|tls|readline)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle makes two modules one: break it by moving the shared part down a layer.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'Test helpers live under test/ and never ship: src/ imports nothing from test/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'no-orphan-test-helpers',
      comment: 'A "testing" module in src would ship with the product: put it in test/support.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/.*(testing|test-support)\\.ts$' },
    },

    // ground floor
    layer('domain-is-ground', own('domain'), any([own('domain'), own('util')]),
      'domain holds the types and pure rules everything else shares; it imports only itself and util.'),
    layer('util-is-ground', own('util'), own('util'), 'util: small helpers with no knowledge of Kinetic.'),
    layer('config-and-log-are-ground', '^src/(config|log)\\.ts$', any([own('domain'), own('util'), '^src/(config|log)\\.ts$']),
      'config.ts and log.ts read the environment and write logs; they import only the ground floor.'),

    // pure core, one-way: report → recommend → analysis → plan; synth → plan
    layer('plan-is-core', own('plan'), any([own('plan'), own('domain'), own('util')]),
      'plan: training plans as data (generate, check, weeks); imports only the ground floor.'),
    layer('analysis-is-core', own('analysis'), any([own('analysis'), own('plan'), own('domain'), own('util')]),
      'analysis: zones, load, compliance; imports plan and the ground floor.'),
    layer('recommend-is-core', own('recommend'), any([own('recommend'), own('analysis'), own('plan'), own('domain'), own('util')]),
      'recommend: coaching flags and fixes; imports analysis, plan and the ground floor.'),
    layer('report-is-core', own('report'), any([own('report'), own('recommend'), own('analysis'), own('plan'), own('domain'), own('util')]),
      'report: the weekly report model and its renderers (text, HTML, SVG charts); no storage, no mail.'),
    layer('synth-is-core', own('synth'), any([own('synth'), own('plan'), own('domain'), own('util')]),
      'synth: builds activities and FIT files from plans (demo, tests); imports plan and the ground floor.'),
    {
      name: 'core-does-no-io',
      comment: 'The pure core computes; reading files, sockets and threads belongs to adapters and services.',
      severity: 'error',
      from: { path: any(CORE), pathNot: '\\.test\\.ts$' },
      to: { path: IO_MODULES },
    },
    {
      name: 'core-has-no-config-or-log',
      comment: 'The pure core takes what it needs as arguments, not from the environment or a logger.',
      severity: 'error',
      from: { path: any(CORE), pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(config|log)\\.ts$' },
    },

    // adapters: each talks to one outside thing and knows only itself and the ground floor
    layer('fit-adapter', own('ingest/fit'), any([own('ingest/fit'), ...GROUND]), 'ingest/fit: FIT files in, activities out.'),
    layer('strava-adapter', own('ingest/strava'), any([own('ingest/strava'), ...GROUND]), 'ingest/strava: the Strava HTTP API.'),
    layer('plan-file-adapter', own('ingest/plan'), any([own('ingest/plan'), ...GROUND]), 'ingest/plan: plan files (CSV, YAML, JSON) in.'),
    layer('archive-adapter', '^src/ingest/archive\\.ts$', any(GROUND), 'ingest/archive.ts: zip and gzip archives of activity files.'),
    layer('db-adapter', own('db'), any([own('db'), ...GROUND]), 'db: Kysely, migrations, repositories; rows in and out.'),
    layer('email-adapter', own('email'), any([own('email'), ...GROUND]), 'email: SMTP and PNG charts for mail clients.'),
    layer('jobs-adapter', own('jobs'), any([own('jobs'), ...GROUND]), 'jobs: queues (BullMQ or in-process) and schedules; handlers are passed in.'),

    // services: use cases, composing core and adapters
    layer('services', own('services'), any([...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'services: the use cases (import, analyse, report, deliver); never an entry point.'),

    // entry points: one-way among themselves
    layer('http', own('http'), any([own('http'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'http: shared Fastify plumbing (auth, errors, limits, files) for api and web.'),
    layer('api', own('api'), any([own('api'), own('http'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'api: JSON routes; never imports web.'),
    layer('web', own('web'), any([own('web'), own('http'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'web: HTML pages; never imports api.'),
    layer('server', own('server'), any([own('server'), own('api'), own('web'), own('http'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'server: assembles api and web into one Fastify app.'),
    layer('workers', own('workers'), any([own('workers'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'workers: job handlers and the worker process.'),
    layer('cli', own('cli'), any([own('cli'), own('server'), own('workers'), ...SERVICES, ...CORE, ...ADAPTERS, ...GROUND]),
      'cli: the kinetic command; starts the server and workers.'),
    {
      name: 'known-folders-only',
      comment: 'Every source file lives in a room of docs/architecture.md: nothing imports from, or is imported by, a file outside them.',
      severity: 'error',
      from: { path: '^src/', pathNot: any([...GROUND, ...CORE, ...ADAPTERS, ...SERVICES, ...ENTRY]) },
      to: {},
    },
    {
      name: 'known-folders-only',
      comment: 'Every source file lives in a room of docs/architecture.md: nothing imports from, or is imported by, a file outside them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: any([...GROUND, ...CORE, ...ADAPTERS, ...SERVICES, ...ENTRY]) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // src and what it imports from test/ (a violation) and from Node itself (fs, node:net: the I/O rule);
    // npm packages are not followed.
    includeOnly: ['^src/', '^test/', '^(node:)?[a-z_][a-z0-9_/]*$'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
