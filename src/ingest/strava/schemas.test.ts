/**
 * Every sample in test/fixtures/strava/samples against the client's schemas: each file is classified
 * (a file nobody classified fails the test, so a new sample cannot be skipped silently), and every
 * reply of an endpoint Kinetic uses must parse, with its ids exact. The cassettes' verbatim reply text
 * is parsed too, which is what the client sees on the wire.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseStravaJson, quoteIds } from './json.ts';
import { parseRateLimitHeaders } from './rate-limit.ts';
import {
  AuthorizationCodeToken,
  DeauthorizeReply,
  DetailedActivity,
  DetailedAthlete,
  describeIssues,
  Fault,
  Lap,
  LapList,
  PushSubscription,
  PushSubscriptionList,
  RefreshedToken,
  StreamSetSchema,
  SummaryActivity,
  SummaryActivityList,
  WebhookEvent,
} from './schemas.ts';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../test/fixtures/strava/samples/', import.meta.url));

type Schema = z.ZodType;

/** Samples of endpoints Kinetic does not call (zones, clubs, segments, …) or that are not replies. */
const NOT_USED = new Set([
  'strava-ruby-client/client_activity_zones.response.json',
  'strava-ruby-client/models_split.json',
  ...[
    'createActivity_201',
    'exploreSegments_200',
    'getClubActivitiesById_200',
    'getClubAdminsById_200',
    'getClubById_200',
    'getClubMembersById_200',
    'getCommentsByActivityId_200',
    'getEffortsBySegmentId_200',
    'getGearById_200',
    'getKudoersByActivityId_200',
    'getLoggedInAthleteClubs_200',
    'getLoggedInAthleteStarredSegments_200',
    'getLoggedInAthleteZones_200',
    'getRouteStreams_200', // route streams carry no series_type / original_size / resolution
    'getSegmentById_200',
    'getSegmentEffortById_200',
    'starSegment_200',
    'updateLoggedInAthlete_200',
  ].map((n) => `official-spec-examples/${n}.json`),
]);

/**
 * The 2018 cassette marked SUSPECT in the MANIFEST (status 429 with a hand-edited body that is not
 * Strava's Fault). The client decides on the status alone; its body must not break anything.
 */
const SUSPECT_429 = 'strava-ruby-client/client_activity_with_ratelimit_exceeded';

/** The schema of a recorded reply, from its request and status. */
function schemaForReply(method: string, uri: string, status: number, body: unknown): Schema | 'empty' {
  const p = new URL(uri).pathname.replace(/^\/api\/v3/, '');
  if (status >= 400) return body === null ? 'empty' : Fault;
  if (method === 'GET' && p === '/athlete') return DetailedAthlete;
  if (method === 'GET' && p === '/athlete/activities') return SummaryActivityList;
  if (method === 'GET' && /^\/activities\/\d+$/.test(p)) return DetailedActivity;
  if (method === 'GET' && /^\/activities\/\d+\/laps$/.test(p)) return LapList;
  if (method === 'GET' && /^\/(activities|segments)\/\d+\/streams$/.test(p)) return StreamSetSchema;
  if (method === 'POST' && p === '/oauth/token') return typeof body === 'object' && body !== null && 'athlete' in body ? AuthorizationCodeToken : RefreshedToken;
  if (method === 'POST' && p === '/oauth/deauthorize') return DeauthorizeReply;
  if (method === 'GET' && p === '/push_subscriptions') return PushSubscriptionList;
  if (method === 'POST' && p === '/push_subscriptions') return PushSubscription;
  throw new Error(`no schema for ${method} ${p} (${status})`);
}

/** The schema of a standalone sample file. */
function schemaForFile(rel: string): Schema | undefined {
  const base = path.basename(rel);
  if (rel.startsWith('webhooks/')) return WebhookEvent;
  if (rel.startsWith('errors/')) return Fault;
  if (/^models_detailed_activities_/.test(base) || /^activity_\d+_\d+\.json$/.test(base)) return DetailedActivity;
  if (base === 'models_summary_activity.json' || base.startsWith('summary_')) return z.union([SummaryActivity, SummaryActivityList]);
  if (base === 'models_lap.json') return Lap;
  if (/streams/i.test(base)) return StreamSetSchema;
  const official: Record<string, Schema> = {
    'getActivityById_200.json': DetailedActivity,
    'updateActivityById_200.json': DetailedActivity,
    'getLapsByActivityId_200.json': LapList,
    'getActivityStreams_200.json': StreamSetSchema,
    'getLoggedInAthleteActivities_200.json': SummaryActivityList,
    'getLoggedInAthlete_200.json': DetailedAthlete,
  };
  return official[base];
}

interface Interaction {
  request: { method: string; uri: string };
  response: { status: { code: number }; body: { string: string } };
}

/**
 * The first interaction of a VCR cassette. Two cassettes are not strict YAML (a single-quoted body
 * whose closing quote sits at column 1): their body is cut out of the text, as VCR itself reads it.
 */
function readCassette(file: string): Interaction {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return (parseYaml(text) as { http_interactions: Interaction[] }).http_interactions[0]!;
  } catch {
    const method = /\n\s+method: (\w+)/.exec(text)?.[1] ?? 'get';
    const uri = /\n\s+uri: (\S+)/.exec(text)?.[1] ?? '';
    const code = Number(/\n\s+status:\n\s+code: (\d+)/.exec(text)?.[1]);
    const response = text.slice(text.indexOf('\n  response:'));
    const body = /\n {4}body:\n {6}encoding: [^\n]*\n {6}string: '([\s\S]*?)'\n {4}http_version/.exec(response)?.[1];
    if (body === undefined) throw new Error(`${file}: no response body found`);
    return { request: { method, uri }, response: { status: { code }, body: { string: body.replaceAll("''", "'") } } };
  }
}

function allFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    return e.isDirectory() ? allFiles(dir, r) : [r];
  });
}

function expectValid(schema: Schema, value: unknown, what: string): unknown {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

const files = allFiles(SAMPLES_DIR);
const jsonFiles = files.filter((f) => f.endsWith('.json'));

describe('Strava samples', () => {
  it('are all there (the MANIFEST lists them)', () => {
    expect(jsonFiles.length).toBeGreaterThan(60);
    expect(files.filter((f) => f.endsWith('.cassette.yml')).length).toBe(18);
  });

  for (const rel of jsonFiles.filter((f) => !NOT_USED.has(f))) {
    it(`${rel} matches its schema`, () => {
      const text = fs.readFileSync(path.join(SAMPLES_DIR, rel), 'utf8');
      const json = parseStravaJson(text);
      if (rel.endsWith('.response.json')) {
        const rec = json as { request: { method: string; uri: string } | string; status: number; headers: Record<string, string[]>; body: unknown };
        // Two re-emitted recordings keep only the URI of their GET.
        const request = typeof rec.request === 'string' ? { method: 'GET', uri: rec.request } : rec.request;
        const limits = parseRateLimitHeaders((name) => {
          const entry = Object.entries(rec.headers).find(([k]) => k.toLowerCase() === name);
          return entry?.[1][0] ?? null;
        });
        expect(limits.ok, JSON.stringify(limits)).toBe(true);
        if (rel.startsWith(SUSPECT_429)) {
          expect(rec.status).toBe(429);
          expect(Fault.safeParse(rec.body).success).toBe(false);
          return;
        }
        const schema = schemaForReply(request.method, request.uri, rec.status, rec.body);
        if (schema === 'empty') expect(rec.body).toBeNull();
        else expectValid(schema, rec.body, rel);
        return;
      }
      const schema = schemaForFile(rel);
      if (schema === undefined) throw new Error(`${rel}: not classified (add it to NOT_USED or give it a schema)`);
      expectValid(schema, json, rel);
    });
  }

  for (const rel of files.filter((f) => f.endsWith('.cassette.yml'))) {
    it(`${rel}: the verbatim reply text parses like its response.json, ids exact`, () => {
      const interaction = readCassette(path.join(SAMPLES_DIR, rel));
      const text = interaction.response.body.string;
      const recorded = parseStravaJson(fs.readFileSync(path.join(SAMPLES_DIR, rel.replace('.cassette.yml', '.response.json')), 'utf8')) as { body: unknown };
      if (text.trim() === '') {
        expect(recorded.body).toBeNull();
        return;
      }
      const body = parseStravaJson(text);
      expect(body).toEqual(recorded.body);
      if (rel.startsWith(SUSPECT_429) || rel.includes('client_activity_zones')) return;
      const schema = schemaForReply(interaction.request.method.toUpperCase(), interaction.request.uri, interaction.response.status.code, body);
      if (schema !== 'empty') expectValid(schema, body, rel);
    });
  }
});

describe('ids stay exact', () => {
  it('keeps integers above 2^53 as their digits', () => {
    const text = fs.readFileSync(path.join(SAMPLES_DIR, 'official-spec-examples/getActivityById_200.json'), 'utf8');
    const a = DetailedActivity.parse(parseStravaJson(text));
    expect(a.id).toBe('12345678987654321');
    expect(Number(a.id)).not.toBe(12345678987654321n.toString());
    const athlete = DetailedAthlete.parse(parseStravaJson(fs.readFileSync(path.join(SAMPLES_DIR, 'official-spec-examples/getLoggedInAthlete_200.json'), 'utf8')));
    expect(athlete.id).toBe('1234567890987654321');
  });

  it('quotes only integer values of id keys, never digits inside strings or other numbers', () => {
    const text = '{"id": 9007199254740993, "name": "id: 12, \\"id\\": 5", "owner_id":-3, "distance": 12.5, "x_id": 1.5, "ids": [1, 2], "nested": [{"upload_id": 98765432123456789012}], "map": {"id": "a1"}}';
    expect(quoteIds(text)).toBe(
      '{"id": "9007199254740993", "name": "id: 12, \\"id\\": 5", "owner_id":"-3", "distance": 12.5, "x_id": 1.5, "ids": [1, 2], "nested": [{"upload_id": "98765432123456789012"}], "map": {"id": "a1"}}',
    );
  });

  it('rejects ids beyond int64', () => {
    const r = SummaryActivity.safeParse({ ...JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, 'strava-ruby-client/models_summary_activity.json'), 'utf8')), id: '98765432123456789012' });
    expect(r.success).toBe(false);
  });
});

describe('a malformed reply names the field', () => {
  it('says which element and field are wrong', () => {
    const list = parseStravaJson(fs.readFileSync(path.join(SAMPLES_DIR, 'strava-ruby-client/client_athlete_activities.response.json'), 'utf8')) as { body: Record<string, unknown>[] };
    delete list.body[3]!.start_date;
    list.body[5]!.elapsed_time = 'long';
    const r = SummaryActivityList.safeParse(list.body);
    expect(r.success).toBe(false);
    const message = describeIssues(r.error!);
    expect(message).toContain('[3].start_date');
    expect(message).toContain('[5].elapsed_time');
  });

  it('checks stream value types (heart rate is an integer)', () => {
    const r = StreamSetSchema.safeParse({ heartrate: { data: [120, 121.5], series_type: 'time', original_size: 2, resolution: 'high' } });
    expect(r.success).toBe(false);
    expect(describeIssues(r.error!)).toContain('heartrate.data[1]');
  });

  it('rejects a rate-limit header that is not "15min,day"', () => {
    const r = parseRateLimitHeaders((n) => ({ 'x-ratelimit-limit': '200,2000', 'x-ratelimit-usage': 'lots' })[n] ?? null);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('x-ratelimit-usage') as unknown });
  });
});
