/**
 * Schemas of every Strava reply Kinetic reads (zod), checked against every recorded sample in
 * `test/fixtures/strava/samples` (schemas.test.ts). Only the fields Kinetic uses are declared; other
 * fields pass through unread. They follow the real replies where those differ from Strava's spec
 * (`test/fixtures/strava/README.md`, "Where real responses differ"):
 * - ids are decimal strings (the parser quotes them, see json.ts), int64 range;
 * - fields the spec cannot mark nullable are `.nullable()` (workout_type, description, …);
 * - activities without GPS have `start_latlng: []`, distance 0;
 * - fields the spec lacks but real replies carry (`utc_offset`, `has_heartrate`, `average_heartrate`, …);
 * - `sport_type` is any non-empty string: a sport type Strava adds next year must not stop a sync
 *   (it maps to the `other` category until Kinetic knows it);
 * - streams come keyed by type (`key_by_type=true`) without an inner `type`; the spec's array form
 *   (with `type`) is accepted too and re-keyed.
 */
import { z } from 'zod';

const INT64_MAX = 9223372036854775807n;

/** A Strava id: a decimal string within int64 (stored as Postgres bigint or text). */
export const StravaId = z
  .string()
  .regex(/^\d{1,19}$/, 'expected an integer id')
  .refine((s) => BigInt(s) <= INT64_MAX, 'id outside the int64 range');

const DateTime = z.iso.datetime({ offset: true });
const LatLng = z.union([z.tuple([z.number(), z.number()]), z.tuple([])]);

export const MetaAthlete = z.object({ id: StravaId });

export const SummaryAthlete = z.object({
  id: StravaId,
  firstname: z.string().nullable().optional(),
  lastname: z.string().nullable().optional(),
  username: z.string().nullable().optional(),
  sex: z.enum(['M', 'F']).nullable().optional(),
  city: z.string().nullable().optional(),
  country: z.string().nullable().optional(),
});
export type SummaryAthlete = z.infer<typeof SummaryAthlete>;

/** GET /athlete. */
export const DetailedAthlete = SummaryAthlete.extend({
  measurement_preference: z.enum(['feet', 'meters']).nullable().optional(),
  ftp: z.number().nullable().optional(),
  weight: z.number().nullable().optional(),
});
export type DetailedAthlete = z.infer<typeof DetailedAthlete>;

const SummaryActivityFields = z.object({
  id: StravaId,
  athlete: MetaAthlete,
  name: z.string(),
  distance: z.number().nonnegative(),
  moving_time: z.number().int().nonnegative(),
  elapsed_time: z.number().int().nonnegative(),
  total_elevation_gain: z.number().nullable().optional(),
  /** Deprecated in favour of `sport_type` (a TrailRun has `type: "Run"`); the only one in replies before 2022. */
  type: z.string().min(1).optional(),
  sport_type: z.string().min(1).optional(),
  start_date: DateTime,
  start_date_local: DateTime.optional(),
  timezone: z.string().optional(),
  /** Real replies only: seconds, a float. */
  utc_offset: z.number().optional(),
  manual: z.boolean().optional(),
  private: z.boolean().optional(),
  visibility: z.string().optional(),
  trainer: z.boolean().optional(),
  workout_type: z.number().int().nullable().optional(),
  start_latlng: LatLng.nullable().optional(),
  end_latlng: LatLng.nullable().optional(),
  map: z.object({ id: z.string().nullable().optional(), summary_polyline: z.string().nullable().optional() }).nullable().optional(),
  average_speed: z.number().nullable().optional(),
  max_speed: z.number().nullable().optional(),
  has_heartrate: z.boolean().optional(),
  average_heartrate: z.number().nullable().optional(),
  max_heartrate: z.number().nullable().optional(),
  average_cadence: z.number().nullable().optional(),
  external_id: z.string().nullable().optional(),
  gear_id: z.string().nullable().optional(),
});

const HAS_SPORT = { message: 'expected sport_type (or, in replies before 2022, type)', path: ['sport_type'] };
function hasSport(a: { sport_type?: string | undefined; type?: string | undefined }): boolean {
  return a.sport_type !== undefined || a.type !== undefined;
}

/** An element of GET /athlete/activities. */
export const SummaryActivity = SummaryActivityFields.refine(hasSport, HAS_SPORT);
export type SummaryActivity = z.infer<typeof SummaryActivity>;

export const SummaryActivityList = z.array(SummaryActivity);

/** An element of GET /activities/{id}/laps (and `laps` of a detailed activity). */
export const Lap = z.object({
  id: StravaId,
  activity: z.object({ id: StravaId }).optional(),
  name: z.string().nullable().optional(),
  lap_index: z.number().int(),
  split: z.number().int().optional(),
  elapsed_time: z.number().int().nonnegative(),
  moving_time: z.number().int().nonnegative().optional(),
  start_date: DateTime,
  distance: z.number().nonnegative().optional(),
  average_speed: z.number().nullable().optional(),
  max_speed: z.number().nullable().optional(),
  average_heartrate: z.number().nullable().optional(),
  max_heartrate: z.number().nullable().optional(),
  average_cadence: z.number().nullable().optional(),
  pace_zone: z.number().int().nullable().optional(),
});
export type Lap = z.infer<typeof Lap>;
export const LapList = z.array(Lap);

/** GET /activities/{id}. */
export const DetailedActivity = SummaryActivityFields.extend({
  description: z.string().nullable().optional(),
  calories: z.number().nullable().optional(),
  device_name: z.string().nullable().optional(),
  perceived_exertion: z.number().nullable().optional(),
  laps: z.array(Lap).optional(),
}).refine(hasSport, HAS_SPORT);
export type DetailedActivity = z.infer<typeof DetailedActivity>;

const Resolution = z.enum(['low', 'medium', 'high']);
const SeriesType = z.enum(['distance', 'time']);

function stream<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    series_type: SeriesType,
    original_size: z.number().int().nonnegative(),
    resolution: Resolution,
  });
}

/** The stream types Kinetic asks for, with their value types (heartrate, cadence and time are integers). */
const StreamShapes = {
  time: stream(z.number().int()),
  distance: stream(z.number()),
  heartrate: stream(z.number().int()),
  velocity_smooth: stream(z.number()),
  cadence: stream(z.number().int()),
  altitude: stream(z.number()),
  // Power can have gaps (null) in real recordings.
  watts: stream(z.number().nullable()),
  latlng: stream(LatLng),
  moving: stream(z.boolean()),
  grade_smooth: stream(z.number()),
  temp: stream(z.number()),
};
export type StreamKey = keyof typeof StreamShapes;
export const STREAM_KEYS = Object.keys(StreamShapes) as StreamKey[];

const KeyedStreams = z.object(Object.fromEntries(STREAM_KEYS.map((k) => [k, StreamShapes[k].optional()])) as { [K in StreamKey]: z.ZodOptional<(typeof StreamShapes)[K]> });
export type StreamSet = z.infer<typeof KeyedStreams>;

const ArrayStream = z.object({ type: z.enum(STREAM_KEYS as [StreamKey, ...StreamKey[]]) }).loose();

/**
 * GET /activities/{id}/streams: keyed by type (what Kinetic asks for, `key_by_type=true`), or the
 * spec's array of streams with a `type` each, re-keyed first. Either way each stream is checked for
 * its value type, and an error names the stream and index (`heartrate.data[1]`).
 */
export const StreamSetSchema = z.preprocess((value: unknown) => {
  if (!Array.isArray(value)) return value;
  const parsed = z.array(ArrayStream).safeParse(value);
  if (!parsed.success) return value as unknown;
  const keyed: Record<string, unknown> = {};
  for (const s of parsed.data) {
    const { type, ...rest } = s;
    keyed[type] = rest;
  }
  return keyed;
}, KeyedStreams);

/** POST /oauth/token, grant_type=authorization_code: the reply carries the athlete. */
export const AuthorizationCodeToken = z.object({
  token_type: z.literal('Bearer'),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_at: z.number().int(),
  expires_in: z.number().int().optional(),
  athlete: SummaryAthlete,
});
export type AuthorizationCodeToken = z.infer<typeof AuthorizationCodeToken>;

/** POST /oauth/token, grant_type=refresh_token: no athlete; the refresh token may be new (rotated). */
export const RefreshedToken = AuthorizationCodeToken.omit({ athlete: true });
export type RefreshedToken = z.infer<typeof RefreshedToken>;

/** POST /oauth/deauthorize. */
export const DeauthorizeReply = z.object({ access_token: z.string() });

/** Strava's error body (the spec's Fault). */
export const Fault = z.object({
  message: z.string(),
  errors: z.array(z.object({ resource: z.string().nullable().optional(), field: z.string().nullable().optional(), code: z.string().nullable().optional() })).optional(),
});
export type Fault = z.infer<typeof Fault>;

/** A push subscription (POST /push_subscriptions replies 201 with one; GET lists them). */
export const PushSubscription = z.object({
  id: StravaId,
  application_id: StravaId.optional(),
  callback_url: z.string(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type PushSubscription = z.infer<typeof PushSubscription>;
export const PushSubscriptionList = z.array(PushSubscription);

/**
 * A webhook event (not in the spec; see the webhooks doc). `updates` values are strings, also
 * `"private": "true"` and `"authorized": "false"`; a create (and delete) event has `updates: {}`.
 */
export const WebhookEvent = z.object({
  object_type: z.enum(['activity', 'athlete']),
  object_id: StravaId,
  aspect_type: z.enum(['create', 'update', 'delete']),
  updates: z.record(z.string(), z.string()).default({}),
  owner_id: StravaId,
  subscription_id: StravaId,
  event_time: z.number().int(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** One issue per line: `field.path: message` (`[3].start_date: Invalid input: expected string, received undefined`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${fieldPath(i.path)}: ${i.message}`)
    .join('; ');
}

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}
