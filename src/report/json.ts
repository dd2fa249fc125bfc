/**
 * The weekly report as JSON: the model with the stored report's hash and generation time beside it
 * (never inside: the model alone is what the hash covers). Keys are sorted at every level, so the
 * same report always prints the same bytes.
 */
import { canonicalJson, reportHash, type ReportModel } from './model.ts';

export interface ReportJson {
  /** sha256 of the model's canonical JSON (`content_hash` of the stored report). */
  contentHash: string;
  /** When the stored report was generated (ISO instant). */
  generatedAt: string;
  report: ReportModel;
}

export function renderReportJson(model: ReportModel, generatedAt: Date): string {
  const doc: ReportJson = { contentHash: reportHash(model), generatedAt: generatedAt.toISOString(), report: model };
  return `${canonicalJson(doc)}\n`;
}
