/**
 * The spreadsheet CSV plan format (docs/plan-format.md): one row per session under a header row.
 * Columns may come in any order; `date` and `kind` are required, `distance`, `duration`, `notes`,
 * `order` and `target` optional; any other column is an error. Rows are numbered as in the file
 * (the header is row 1).
 */
import { CsvError, parse } from 'csv-parse/sync';
import type { RaceInfo, TrainingPlan } from '../../domain/plan.ts';
import { didYouMean, PlanFormatError, type PlanProblem } from './errors.ts';
import { finishSessions, parseDateField, parseKind, parseOrder, type DraftSession } from './fields.ts';
import { formatTarget, parseTarget } from '../../domain/target.ts';
import { formatDistance, formatDuration, parseDistance, parseDuration, type Parsed, type PlanUnits } from '../../domain/units.ts';

export const CSV_COLUMNS = ['date', 'order', 'kind', 'distance', 'duration', 'target', 'notes'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ['date', 'kind'];

export interface ParsePlanCsvOptions {
  /** The plan's name (a CSV file has no place for it). */
  name: string;
  /** First day of the plan; default the earliest session date. */
  startDate?: string;
  /** Display units; default the unit most distances in the file use (km when none). */
  units?: PlanUnits;
  /** The goal race; default the last `race` row (its date and distance), `null` for none. */
  race?: RaceInfo | null;
  /** Used in error messages: `plan.csv row 5, field distance: …`. */
  filename?: string;
}

interface CsvRecord {
  row: number;
  cells: string[];
}

function isColumn(s: string): s is Column {
  return (CSV_COLUMNS as readonly string[]).includes(s);
}

function detectDelimiter(text: string): string {
  const header = text.split('\n', 1)[0] ?? '';
  if (!header.includes(',')) {
    if (header.includes(';')) return ';';
    if (header.includes('\t')) return '\t';
  }
  return ',';
}

function isRawRecord(x: unknown): x is { record: string[]; raw: string } {
  return typeof x === 'object' && x !== null && 'record' in x && 'raw' in x && Array.isArray(x.record) && typeof x.raw === 'string';
}

/** Splits the file into records numbered by the line each starts on. */
function readRecords(text: string, filename: string | undefined): CsvRecord[] {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let parsed: unknown;
  try {
    // With `raw: true` each record comes as { record, raw }; the typings only know plain arrays.
    parsed = parse(normalized, {
      delimiter: detectDelimiter(normalized),
      raw: true,
      relax_column_count: true,
      trim: true,
      skip_empty_lines: false,
    });
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof e.lines === 'number' && e.lines > 0 ? e.lines : undefined;
      const message = e.message.replace(/\s*at line \d+\.?$/, '');
      throw new PlanFormatError([{ ...(line !== undefined ? { row: line } : {}), message: `CSV syntax: ${message}` }], {
        ...(filename !== undefined ? { filename } : {}),
      });
    }
    throw e;
  }
  const out: CsvRecord[] = [];
  let line = 1;
  for (const r of Array.isArray(parsed) ? parsed : []) {
    if (!isRawRecord(r)) continue;
    if (r.record.some((c) => c !== '')) out.push({ row: line, cells: r.record });
    line += (r.raw.match(/\n/g) ?? []).length;
  }
  return out;
}

/**
 * Parses a CSV plan. Throws `PlanFormatError` listing every problem with its row and column when the
 * file is not a valid plan; returns nothing partial.
 */
export function parsePlanCsv(text: string, options: ParsePlanCsvOptions): TrainingPlan {
  const fileOpt = options.filename !== undefined ? { filename: options.filename } : {};
  const records = readRecords(text, options.filename);
  const problems: PlanProblem[] = [];
  const header = records[0];
  if (!header) {
    throw new PlanFormatError(
      [{ message: `the file is empty: the first row must be a header such as ${CSV_COLUMNS.join(',')}` }],
      fileOpt,
    );
  }

  // Header: which cell holds which column.
  const index = new Map<Column, number>();
  const ignored = new Set<number>();
  header.cells.forEach((cell, i) => {
    const name = cell.trim().toLowerCase();
    if (name === '') {
      const used = records.slice(1).some((r) => (r.cells[i] ?? '') !== '');
      if (used) problems.push({ row: header.row, message: `column ${i + 1} has values but no name in the header` });
      ignored.add(i);
      return;
    }
    if (!isColumn(name)) {
      problems.push({
        row: header.row,
        field: cell.trim(),
        message: `unknown column '${cell.trim()}'${didYouMean(name, CSV_COLUMNS)}: columns are ${CSV_COLUMNS.join(', ')}`,
      });
      ignored.add(i);
      return;
    }
    if (index.has(name)) {
      problems.push({ row: header.row, field: name, message: `column '${name}' appears twice` });
      return;
    }
    index.set(name, i);
  });
  for (const col of REQUIRED_COLUMNS) {
    if (!index.has(col)) problems.push({ row: header.row, field: col, message: `the header has no '${col}' column` });
  }

  const drafts: DraftSession[] = [];
  const body = records.slice(1);
  if (body.length === 0) problems.push({ row: header.row, message: 'the file has a header but no sessions' });
  let mi = 0;
  let km = 0;
  for (const rec of body) {
    const before = problems.length;
    if (rec.cells.length > header.cells.length && rec.cells.slice(header.cells.length).some((c) => c !== '')) {
      problems.push({
        row: rec.row,
        message: `has ${rec.cells.length} values but the header has ${header.cells.length} columns (quote notes that contain commas)`,
      });
      continue;
    }
    const cell = (col: Column): string => {
      const i = index.get(col);
      return i === undefined ? '' : (rec.cells[i] ?? '').trim();
    };
    const field = <T>(col: Column, parseFn: (t: string) => Parsed<T>, required = false): T | null => {
      const t = cell(col);
      if (t === '') {
        if (required && index.has(col)) problems.push({ row: rec.row, field: col, message: 'is empty' });
        return null;
      }
      const parsed = parseFn(t);
      if (!parsed.ok) {
        problems.push({ row: rec.row, field: col, message: parsed.error });
        return null;
      }
      return parsed.value;
    };
    const date = field('date', parseDateField, true);
    const kind = field('kind', parseKind, true);
    const distanceM = field('distance', parseDistance);
    const durationS = field('duration', parseDuration);
    const order = field('order', parseOrder);
    const target = field('target', parseTarget);
    const notes = cell('notes');
    if (/\b(mi|miles?)\b/i.test(cell('distance'))) mi++;
    else if (/\d\s*(km|k|kilomet(er|re)s?)\b/i.test(cell('distance'))) km++;
    if (problems.length > before || date === null || kind === null) continue;
    drafts.push({
      date,
      order,
      kind,
      distanceM,
      durationS,
      target,
      notes: notes === '' ? null : notes,
      where: { row: rec.row },
      dateField: 'date',
    });
  }

  let startDate: string | null = null;
  if (options.startDate !== undefined) {
    const parsed = parseDateField(options.startDate);
    if (parsed.ok) startDate = parsed.value;
    else problems.push({ field: 'start', message: `the plan start ${parsed.error}` });
  } else {
    startDate = drafts.reduce<string | null>((min, d) => (min === null || d.date < min ? d.date : min), null);
  }
  const sessions = finishSessions(drafts, startDate, problems);

  let race: RaceInfo | null;
  if (options.race !== undefined) {
    race = options.race;
    if (race !== null) {
      const parsed = parseDateField(race.date);
      if (!parsed.ok) problems.push({ field: 'race.date', message: `the race date ${parsed.error}` });
      else if (startDate !== null && race.date < startDate) {
        problems.push({ field: 'race.date', message: `the race date ${race.date} is before the plan start ${startDate}` });
      }
    }
  } else {
    const last = sessions.filter((s) => s.kind === 'race').at(-1);
    race = last ? { date: last.date, distanceM: last.distanceM, goalTimeS: null } : null;
  }

  if (problems.length > 0 || startDate === null) throw new PlanFormatError(problems, fileOpt);
  const units: PlanUnits = options.units ?? (mi > km ? 'mi' : 'km');
  return { name: options.name, startDate, race, units, sessions };
}

function quote(value: string): string {
  return /[",\n\r]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes a plan as CSV with every column, distances in the plan's units. */
export function planToCsv(plan: TrainingPlan): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const s of plan.sessions) {
    const values: Record<Column, string> = {
      date: s.date,
      order: String(s.order),
      kind: s.kind,
      distance: s.distanceM !== null ? formatDistance(s.distanceM, plan.units) : '',
      duration: s.durationS !== null ? formatDuration(s.durationS) : '',
      target: s.target !== null ? formatTarget(s.target, plan.units) : '',
      notes: s.notes ?? '',
    };
    rows.push(CSV_COLUMNS.map((c) => quote(values[c])).join(','));
  }
  return `${rows.join('\n')}\n`;
}
