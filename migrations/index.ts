/**
 * Every migration, by name. Listed statically (not read from the folder at run time) so the same
 * list works under tsx, vitest and compiled JavaScript; a test checks no file is left out.
 */
import type { Migration } from 'kysely/migration';
import * as foundation from './20261126120000_foundation.ts';
import * as plans from './20261126130000_plans.ts';
import * as analysis from './20261126140000_analysis.ts';
import * as recommendThresholds from './20261126150000_recommend_thresholds.ts';
import * as apiTokens from './20261126160000_api_tokens.ts';
import * as reportSchedule from './20261126161000_report_schedule.ts';
import * as weeklyReports from './20261126162000_weekly_reports.ts';
import * as reportDeliveries from './20261126163000_report_deliveries.ts';
import * as jsonDocuments from './20261126165000_json_documents.ts';
import * as strava from './20261126170000_strava.ts';
import * as webSessions from './20261126180000_web_sessions.ts';
import * as calendarFeeds from './20261126190000_calendar_feeds.ts';
import * as emailIdentity from './20261127100000_email_identity.ts';
import * as analysisRuns from './20261206120000_analysis_runs.ts';
import * as athleteInput from './20261206210000_athlete_input.ts';
import * as uploadChunks from './20261206230000_upload_chunks.ts';
import * as analysisRunFailures from './20261206230100_analysis_run_failures.ts';
import * as activityStreamChunks from './20261206233000_activity_stream_chunks.ts';

export const migrations: Record<string, Migration> = {
  '20261126120000_foundation': foundation,
  '20261126130000_plans': plans,
  '20261126140000_analysis': analysis,
  '20261126150000_recommend_thresholds': recommendThresholds,
  '20261126160000_api_tokens': apiTokens,
  '20261126161000_report_schedule': reportSchedule,
  '20261126162000_weekly_reports': weeklyReports,
  '20261126163000_report_deliveries': reportDeliveries,
  '20261126165000_json_documents': jsonDocuments,
  '20261126170000_strava': strava,
  '20261126180000_web_sessions': webSessions,
  '20261126190000_calendar_feeds': calendarFeeds,
  '20261127100000_email_identity': emailIdentity,
  '20261206120000_analysis_runs': analysisRuns,
  '20261206210000_athlete_input': athleteInput,
  '20261206230000_upload_chunks': uploadChunks,
  '20261206230100_analysis_run_failures': analysisRunFailures,
  '20261206233000_activity_stream_chunks': activityStreamChunks,
};
