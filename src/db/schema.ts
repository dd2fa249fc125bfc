/**
 * The Kysely `Database` interface: the one source of the table types, written by hand to match
 * `migrations/`; the repository tests on both back ends exercise every column.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ActivityMetrics, IntensityClass, Physiology } from '../domain/analysis.ts';
import type { WeekDocument } from '../domain/week-document.ts';
import type { ReportModel } from '../domain/report-model.ts';
import type { IntensityTarget, SessionKind } from '../domain/plan.ts';
import type { ActivitySource } from '../domain/activity.ts';
import type { UnavailableReason } from '../domain/athlete-input.ts';

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz column with a database default (`now()`): optional on insert. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A `date` column: read and written as 'YYYY-MM-DD' (see the type parsers in connect.ts). */
type CalendarDate = ColumnType<string, string, string>;

export type UploadStatus = 'queued' | 'processing' | 'imported' | 'duplicate' | 'failed';

export interface AthletesTable {
  id: Generated<string>;
  name: string;
  email: string | null;
  timezone: Generated<string>;
  sex: 'f' | 'm' | null;
  max_hr: number | null;
  resting_hr: number | null;
  lthr: number | null;
  threshold_speed_mps: number | null;
  units: Generated<'km' | 'mi'>;
  created_at: DefaultTimestamp;
  /** Overrides of the recommender's thresholds (docs/flags.md); null → defaults. */
  recommend_thresholds: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** ISO weekday the weekly report is due, 1 = Monday … 7 = Sunday (docs/jobs.md, "Weekly schedule"). */
  report_weekday: Generated<number>;
  /** Local time of day (`HH:MM`, athlete's time zone) the weekly report is due. */
  report_time: Generated<string>;
  /**
   * An address this athlete shared with an older athlete when emails became unique (migration
   * 20261127100000_email_identity): kept here, `email` cleared. Null for everyone else.
   */
  previous_email: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UploadsTable {
  id: Generated<string>;
  athlete_id: string;
  sha256: string;
  filename: string;
  size_bytes: number;
  bytes: Uint8Array;
  status: Generated<UploadStatus>;
  error: string | null;
  created_at: DefaultTimestamp;
  processed_at: Timestamp | null;
}

/** The pieces of a large upload after its first (which is `uploads.bytes`), in order from 1. */
export interface UploadChunksTable {
  upload_id: string;
  seq: number;
  bytes: Uint8Array;
}

export interface ActivitiesTable {
  id: Generated<string>;
  athlete_id: string;
  /** `manual`: logged by hand (`kinetic activity log`, `POST /athletes/:id/activities`). */
  source: ActivitySource;
  source_id: string;
  sport: string;
  sub_sport: string | null;
  category: 'run' | 'strength' | 'other';
  name: string | null;
  start_time: Timestamp;
  local_date: CalendarDate;
  timezone: string;
  elapsed_s: number;
  moving_s: number | null;
  distance_m: number | null;
  ascent_m: number | null;
  avg_hr: number | null;
  max_hr: number | null;
  calories: number | null;
  device: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Session RPE the athlete gave, 1–10 (Foster's CR-10); null when not given. */
  rpe: ColumnType<number | null, number | null | undefined, number | null>;
  /** The athlete's note on the activity. */
  note: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UploadActivitiesTable {
  upload_id: string;
  activity_id: string;
}

export interface LapsTable {
  activity_id: string;
  lap_index: number;
  start_time: Timestamp;
  elapsed_s: number;
  moving_s: number | null;
  distance_m: number | null;
  avg_hr: number | null;
  max_hr: number | null;
  avg_speed_mps: number | null;
  intensity: string | null;
}

export interface StrengthSetsTable {
  activity_id: string;
  set_index: number;
  set_type: 'active' | 'rest';
  start_time: Timestamp | null;
  duration_s: number | null;
  category: string | null;
  exercise_name: string | null;
  reps: number | null;
  weight_kg: number | null;
}

export interface ActivityStreamsTable {
  activity_id: string;
  codec: number;
  sample_count: number;
  data: Uint8Array;
}

/** The pieces after the first of a large stream blob (`activity_streams.data` holds the first), in order. */
export interface ActivityStreamChunksTable {
  activity_id: string;
  seq: number;
  data: Uint8Array;
}

export interface PlansTable {
  id: Generated<string>;
  athlete_id: string;
  name: string;
  start_date: CalendarDate;
  race_date: CalendarDate | null;
  race_distance_m: number | null;
  race_goal_s: number | null;
  units: 'km' | 'mi';
  /** Where the plan came from: `yaml`, `csv`, `generated`. */
  source: string;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  replaced_at: Timestamp | null;
}

export interface PlannedSessionsTable {
  id: Generated<string>;
  plan_id: string;
  date: CalendarDate;
  day_order: number;
  kind: SessionKind;
  distance_m: number | null;
  duration_s: number | null;
  /** IntensityTarget as JSON. */
  target: ColumnType<IntensityTarget | null, string | null, string | null>;
  notes: string | null;
}

/** A json or jsonb column holding a typed document, written as its JSON text. */
type Json<T> = ColumnType<T, string, string>;

export interface ActivityMetricsTable {
  activity_id: string;
  athlete_id: string;
  local_date: CalendarDate;
  basis: 'streams' | 'summary';
  load: number;
  trimp: number | null;
  intensity: IntensityClass | null;
  long: boolean;
  /** Fingerprint of the inputs (activity version, physiology, metrics code version). */
  input_key: string;
  data: Json<ActivityMetrics>;
  computed_at: Timestamp;
}

export interface WeekComplianceTable {
  athlete_id: string;
  iso_week: string;
  score: number | null;
  planned_distance_m: number;
  actual_distance_m: number;
  data: Json<WeekDocument>;
  computed_at: Timestamp;
}

export interface DailyLoadTable {
  athlete_id: string;
  date: CalendarDate;
  load: number;
  acute: number;
  chronic: number;
  form: number;
  acwr_acute: number;
  acwr_chronic: number;
  acwr: number | null;
  day: number;
}

/**
 * The re-analysis of an athlete's weeks that a settings change asked for, and how far it got (one row
 * per athlete, replaced by each request; docs/jobs.md, "Re-analysis after a settings change").
 */
export interface AnalysisRunsTable {
  athlete_id: string;
  /** Bumped by every request: a job working on an older one starts over. */
  generation: number;
  requested_at: Timestamp;
  first_week: string;
  last_week: string;
  weeks_total: number;
  weeks_done: Generated<number>;
  /** The last week analysed for this generation; null before the first. */
  done_through: string | null;
  /** When every week was analysed; null while the re-analysis is under way. */
  finished_at: Date | null;
  /** When its job failed for good (null: it did not, or it runs again); with the error. */
  failed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AthletePhysiologyTable {
  athlete_id: string;
  /** Fingerprint of the inputs the estimate came from (profile + the runs it used). */
  basis: string;
  data: Json<Physiology>;
  computed_at: Timestamp;
}

export interface WeeklyReportsTable {
  id: Generated<string>;
  athlete_id: string;
  iso_week: string;
  /** REPORT_VERSION of the document. */
  version: number;
  document: Json<ReportModel>;
  /** sha256 of the document's canonical JSON (src/report/model.ts). */
  content_hash: string;
  generated_at: Timestamp;
}

export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'bounced' | 'skipped';

/** One email delivery per athlete-week (unique): docs/report.md, "Email". */
export interface ReportDeliveriesTable {
  id: Generated<string>;
  report_id: string;
  athlete_id: string;
  iso_week: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  recipient: string | null;
  message_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  sent_at: Timestamp | null;
}

/** Whether the athlete gets report emails, and the token of their unsubscribe link. */
export interface EmailPreferencesTable {
  athlete_id: string;
  unsubscribe_token: string;
  reports_enabled: Generated<boolean>;
  updated_at: DefaultTimestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  athlete_id: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
}

/** A signed-in browser session (docs/web.md): only the SHA-256 of the session id is stored. */
export interface WebSessionsTable {
  id: Generated<string>;
  athlete_id: string;
  token_hash: string;
  created_at: DefaultTimestamp;
  last_seen_at: DefaultTimestamp;
  expires_at: Timestamp;
}

/** A one-time email sign-in link (docs/web.md): only the SHA-256 of its token is stored. */
export interface WebLoginLinksTable {
  id: Generated<string>;
  email: string;
  token_hash: string;
  /** The browser's time zone when the link was asked for: a new athlete starts in it. */
  timezone: string | null;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
}

/** A pending change of an athlete's email (docs/web.md): confirmed from a link mailed to the new address; only the SHA-256 of its token is stored. */
export interface EmailChangesTable {
  athlete_id: string;
  /** The new address, as typed. */
  email: string;
  token_hash: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
}

/** An athlete's secret calendar feed address (docs/web.md): calendar apps fetch the plan with it, without cookies. */
export interface CalendarFeedsTable {
  athlete_id: string;
  token: string;
  created_at: DefaultTimestamp;
}

/** An athlete's Strava connection (docs/strava.md); tokens are AES-256-GCM ciphertexts, never plain. */
export interface StravaConnectionsTable {
  athlete_id: string;
  /** bigint: read as a decimal string. */
  strava_athlete_id: ColumnType<string, string, string>;
  scopes: string;
  access_token: string | null;
  refresh_token: string | null;
  expires_at: Timestamp | null;
  token_version: Generated<number>;
  status: Generated<'active' | 'needs_reauth'>;
  status_reason: string | null;
  status_at: Timestamp | null;
  backfill_before: Timestamp | null;
  backfill_next_page: number | null;
  backfill_done_at: Timestamp | null;
  last_sync_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** A Strava activity id and the Kinetic activity holding it (Strava-sourced, or a FIT twin). */
export interface StravaActivitiesTable {
  athlete_id: string;
  strava_id: ColumnType<string, string, string>;
  activity_id: string | null;
  start_time: Timestamp;
  details_pending: Generated<boolean>;
  deleted_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

/** A Strava webhook event as received (stored before it is applied). */
export interface StravaEventsTable {
  id: Generated<string>;
  dedupe_key: string;
  subscription_id: ColumnType<string, string, string>;
  owner_id: ColumnType<string, string, string>;
  object_type: string;
  object_id: ColumnType<string, string, string>;
  aspect_type: string;
  updates: ColumnType<Record<string, string>, string, string>;
  event_time: Timestamp;
  received_at: DefaultTimestamp;
  processed_at: Timestamp | null;
  outcome: string | null;
}

/** Days the athlete could not train (docs/analysis-matching.md, "Unavailable days"): both dates included. */
export interface UnavailablePeriodsTable {
  id: Generated<string>;
  athlete_id: string;
  from_date: CalendarDate;
  to_date: CalendarDate;
  reason: UnavailableReason;
  note: string | null;
  created_at: DefaultTimestamp;
}

export interface StravaSubscriptionsTable {
  id: ColumnType<string, string, string>;
  callback_url: string;
  created_at: DefaultTimestamp;
}

export interface Database {
  strava_connections: StravaConnectionsTable;
  strava_activities: StravaActivitiesTable;
  strava_events: StravaEventsTable;
  strava_subscriptions: StravaSubscriptionsTable;
  athletes: AthletesTable;
  uploads: UploadsTable;
  upload_chunks: UploadChunksTable;
  activities: ActivitiesTable;
  upload_activities: UploadActivitiesTable;
  laps: LapsTable;
  strength_sets: StrengthSetsTable;
  activity_streams: ActivityStreamsTable;
  activity_stream_chunks: ActivityStreamChunksTable;
  plans: PlansTable;
  planned_sessions: PlannedSessionsTable;
  activity_metrics: ActivityMetricsTable;
  week_compliance: WeekComplianceTable;
  daily_load: DailyLoadTable;
  athlete_physiology: AthletePhysiologyTable;
  analysis_runs: AnalysisRunsTable;
  api_tokens: ApiTokensTable;
  weekly_reports: WeeklyReportsTable;
  report_deliveries: ReportDeliveriesTable;
  email_preferences: EmailPreferencesTable;
  web_sessions: WebSessionsTable;
  web_login_links: WebLoginLinksTable;
  calendar_feeds: CalendarFeedsTable;
  email_changes: EmailChangesTable;
  unavailable_periods: UnavailablePeriodsTable;
}

export type Athlete = Selectable<AthletesTable>;
export type NewAthlete = Insertable<AthletesTable>;
export type AthleteUpdate = Updateable<AthletesTable>;
export type Upload = Selectable<UploadsTable>;
export type ActivityRow = Selectable<ActivitiesTable>;
export type UnavailablePeriodRow = Selectable<UnavailablePeriodsTable>;
export type PlanRow = Selectable<PlansTable>;
export type PlannedSessionRow = Selectable<PlannedSessionsTable>;
