/**
 * The hand-written YAML plan format (docs/plan-format.md): read with every problem and its line,
 * and written back so that reading it again gives the same plan.
 */
import { Composer, Document, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type CST, type Node, type Pair, type YAMLMap } from 'yaml';
import type { IntensityTarget, PlannedSession, RaceInfo, TrainingPlan } from '../../domain/plan.ts';
import { dateOfPlanWeek, isoWeekOf, parseWeekday, planWeekOf, weekdayOf, WEEKDAYS, type Weekday } from '../../domain/iso-week.ts';
import { didYouMean, PlanFormatError, type PlanProblem } from './errors.ts';
import { finishSessions, parseDateField, parseKind, parseOrder, parseUnits, type DraftSession } from './fields.ts';
import { formatTarget, parseTarget } from '../../domain/target.ts';
import { formatDistance, formatDuration, parseDistance, parseDuration, type Parsed, type PlanUnits } from '../../domain/units.ts';

export interface ParsePlanYamlOptions {
  /** Used in error messages: `plan.yaml line 14, field distance: …`. */
  filename?: string;
}

/**
 * Deepest nesting of collections (mappings and lists, block or flow) a plan file may have; a plan needs
 * four. The YAML composer recurses once per level, so a few thousand levels would overflow the stack:
 * deeper files are refused before they are composed (docs/security.md, "Limits").
 */
export const MAX_YAML_DEPTH = 64;

const PLAN_KEYS = ['name', 'start', 'units', 'race', 'sessions'] as const;
const RACE_KEYS = ['date', 'distance', 'goal'] as const;
const SESSION_KEYS = ['date', 'week', 'day', 'order', 'kind', 'distance', 'duration', 'target', 'notes'] as const;

/** Reads the text of a YAML node while recording problems against lines. */
class Reader {
  readonly problems: PlanProblem[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly doc: Document,
  ) {}

  /** The node an alias (`*name`) points to; any other node as it is. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  lineOf(node: unknown): number | undefined {
    if (node && typeof node === 'object' && 'range' in node) {
      const range = (node as Node).range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    return undefined;
  }

  problem(node: unknown, field: string | undefined, message: string): void {
    this.problemAt(this.lineOf(node), field, message);
  }

  problemAt(line: number | undefined, field: string | undefined, message: string): void {
    this.problems.push({
      ...(line !== undefined ? { line } : {}),
      ...(field !== undefined ? { field } : {}),
      message,
    });
  }

  /** The text of a scalar as written (so `1.50` stays `1.50`), null when empty; problem if not a scalar. */
  text(aliased: unknown, field: string): string | null {
    const node = this.deref(aliased);
    if (node === null || node === undefined) return null;
    if (!isScalar(node)) {
      this.problem(node, field, 'must be a single value, not a list or a mapping');
      return null;
    }
    const value: unknown = node.value;
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
    if (typeof node.source === 'string' && node.source !== '') return node.source;
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    return null;
  }

  /** Parses a scalar field with `parse`; records the problem under `field` when it fails. */
  field<T>(node: unknown, field: string, parse: (text: string) => Parsed<T>): T | null {
    const text = this.text(node, field);
    if (text === null) return null;
    const parsed = parse(text);
    if (!parsed.ok) {
      this.problem(node, field, parsed.error);
      return null;
    }
    return parsed.value;
  }

  /**
   * The pairs of a mapping keyed by their text; unknown keys are problems. `merging` holds the mappings
   * whose merge (`<<`) led here: a mapping that merges itself back is a cycle, not endless recursion.
   */
  entries<K extends string>(map: YAMLMap, known: readonly K[], where: string, merging: readonly YAMLMap[] = []): Map<K, Pair> {
    const out = new Map<K, Pair>();
    for (const pair of map.items) {
      const raw: unknown = isScalar(pair.key) ? pair.key.value : null;
      // With merge keys enabled, `<<` is read as a symbol.
      let key: string | null = null;
      if (typeof raw === 'symbol') key = raw.description ?? '';
      else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') key = String(raw);
      if (key === '<<') {
        // Merge key: `<<: *defaults` (or a list of aliases) fills in the keys the mapping does not set.
        const value = this.deref(pair.value);
        const sources = isSeq(value) ? value.items.map((i) => this.deref(i)) : [value];
        for (const source of sources) {
          if (!isMap(source)) {
            this.problem(pair.value, '<<', 'merge (<<) needs a mapping alias, e.g. <<: *defaults');
            continue;
          }
          if (source === map || merging.includes(source)) {
            this.problem(pair.value, '<<', 'merge (<<) of a mapping that merges this one: a cycle');
            continue;
          }
          if (merging.length >= MAX_YAML_DEPTH) {
            this.problem(pair.value, '<<', `merges (<<) of merges nested deeper than ${MAX_YAML_DEPTH} levels`);
            continue;
          }
          for (const [k, p] of this.entries(source, known, where, [...merging, map])) if (!map.has(k) && !out.has(k)) out.set(k, p);
        }
        continue;
      }
      if (key === null) {
        this.problem(pair.key, undefined, `${where}: keys must be plain words`);
        continue;
      }
      const k = (known as readonly string[]).find((x) => x === key) as K | undefined;
      // `x-…` keys are ignored: a place for anchors (`x-strength: &strength {…}`).
      if (k === undefined && key.startsWith('x-')) continue;
      if (k === undefined) {
        this.problem(pair.key, key, `unknown field '${key}' in ${where}${didYouMean(key, known)}: use ${known.join(', ')}`);
        continue;
      }
      out.set(k, pair);
    }
    return out;
  }
}

function yamlErrorMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

/** The offset of the first collection nested deeper than `max` levels in the parsed tokens, if any (no recursion). */
function tooDeepAt(tokens: readonly CST.Token[], max: number): number | undefined {
  const stack: { token: CST.Token | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token === undefined) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > max) return token.offset;
      for (const item of token.items) stack.push({ token: item.key ?? undefined, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * `parseDocument` of the yaml package, in its two steps, so the nesting is checked between them: the
 * parser (no recursion) gives the tokens, and only a file within MAX_YAML_DEPTH is composed.
 */
function parseYaml(text: string, lines: LineCounter): Document.Parsed | { tooDeepAt: number } {
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeepAt(tokens, MAX_YAML_DEPTH);
  if (deep !== undefined) return { tooDeepAt: deep };
  let doc: Document.Parsed | undefined;
  for (const next of new Composer({ uniqueKeys: true, merge: true }).compose(tokens, true, text.length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'the file holds more than one YAML document (---): a plan is one'));
      break;
    }
  }
  return doc!;
}

/**
 * Parses a YAML plan. Throws `PlanFormatError` listing every problem with its line and field when the
 * file is not a valid plan; returns nothing partial.
 */
export function parsePlanYaml(text: string, options: ParsePlanYamlOptions = {}): TrainingPlan {
  const lines = new LineCounter();
  const fail = (problems: PlanProblem[]): never => {
    throw new PlanFormatError(problems, options.filename !== undefined ? { filename: options.filename } : {});
  };
  const doc = parseYaml(text, lines);
  if ('tooDeepAt' in doc) {
    return fail([{ line: lines.linePos(doc.tooDeepAt).line, message: `lists and mappings nested deeper than ${MAX_YAML_DEPTH} levels (a plan needs four)` }]);
  }
  if (doc.errors.length > 0) {
    fail(doc.errors.map((e) => ({ line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${yamlErrorMessage(e.message)}` })));
  }
  const r = new Reader(lines, doc);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return fail([{ message: 'the file is empty: a plan needs name, start and sessions' }]);
  }
  if (!isMap(root)) {
    return fail([{ line: r.lineOf(root) ?? 1, message: 'a plan is a mapping with name, start, units, race and sessions' }]);
  }
  const top = r.entries(root, PLAN_KEYS, 'the plan');

  const nameNode = top.get('name')?.value;
  const name = r.text(nameNode, 'name')?.trim() ?? '';
  if (name === '') r.problem(nameNode ?? root, 'name', 'the plan needs a name');

  const startNode = top.get('start')?.value;
  const start = r.field(startNode, 'start', parseDateField);
  if (startNode === undefined || (start === null && r.text(startNode, 'start') === null)) {
    r.problem(startNode ?? root, 'start', 'the plan needs a start date (YYYY-MM-DD)');
  }

  const unitsNode = top.get('units')?.value;
  const units: PlanUnits = r.field(unitsNode, 'units', parseUnits) ?? 'km';

  const race = readRace(r, top.get('race'), start);
  const sessions = readSessions(r, top.get('sessions'), root, start);

  if (r.problems.length > 0 || start === null) return fail(r.problems);
  return { name, startDate: start, race, units, sessions };
}

function readRace(r: Reader, pair: Pair | undefined, start: string | null): RaceInfo | null {
  const node = r.deref(pair?.value);
  if (!pair || node === null || node === undefined || (isScalar(node) && node.value === null)) return null;
  if (!isMap(node)) {
    r.problem(node, 'race', 'race is a mapping with date and optionally distance and goal');
    return null;
  }
  const f = r.entries(node, RACE_KEYS, 'race');
  const dateNode = f.get('date')?.value;
  const date = r.field(dateNode, 'race.date', parseDateField);
  if (dateNode === undefined || (date === null && r.text(dateNode, 'race.date') === null)) {
    r.problem(dateNode ?? node, 'race.date', 'the race needs a date (YYYY-MM-DD)');
  }
  if (date !== null && start !== null && date < start) {
    r.problem(dateNode, 'race.date', `the race date ${date} is before the plan start ${start}`);
  }
  const distanceM = r.field(f.get('distance')?.value, 'race.distance', parseDistance);
  const goalTimeS = r.field(f.get('goal')?.value, 'race.goal', parseDuration);
  return date === null ? null : { date, distanceM, goalTimeS };
}

function readSessions(r: Reader, pair: Pair | undefined, root: YAMLMap, start: string | null): PlannedSession[] {
  const node = r.deref(pair?.value);
  if (!pair || node === null || node === undefined) {
    r.problem(pair?.key ?? root, 'sessions', 'the plan needs a sessions list');
    return [];
  }
  if (!isSeq(node)) {
    r.problem(node, 'sessions', 'sessions is a list: one "- kind: …" item per session');
    return [];
  }
  if (node.items.length === 0) {
    r.problem(node, 'sessions', 'the plan has no sessions');
    return [];
  }
  const drafts: DraftSession[] = [];
  for (const item of node.items) {
    const draft = readSession(r, r.deref(item), r.lineOf(item), start);
    if (draft) drafts.push(draft);
  }
  return finishSessions(drafts, start, r.problems);
}

function readSession(r: Reader, item: unknown, line: number | undefined, start: string | null): DraftSession | null {
  if (!isMap(item)) {
    r.problemAt(line, undefined, 'a session is a mapping with kind and date (or week + day)');
    return null;
  }
  const before = r.problems.length;
  const f = r.entries(item, SESSION_KEYS, 'a session');
  const get = (k: (typeof SESSION_KEYS)[number]): unknown => f.get(k)?.value;
  /** A problem about the value of `node`, or about the session (its first line) when the key is missing. */
  const at = (node: unknown, field: string, message: string): void => {
    if (node === undefined) r.problemAt(line, field, message);
    else r.problem(node, field, message);
  };

  const kindNode = get('kind');
  const kind = r.field(kindNode, 'kind', parseKind);
  if (kind === null && r.text(kindNode, 'kind') === null) at(kindNode, 'kind', 'the session needs a kind');

  let date: string | null = null;
  let dateField = 'date';
  const hasDate = f.has('date');
  const hasWeek = f.has('week') || f.has('day');
  if (hasDate && hasWeek) {
    at(f.get('week')?.key ?? f.get('day')?.key, 'week', 'give either date or week + day, not both');
  } else if (hasDate) {
    date = r.field(get('date'), 'date', parseDateField);
    if (date === null && r.text(get('date'), 'date') === null) at(get('date'), 'date', 'is empty: write YYYY-MM-DD');
  } else if (hasWeek) {
    dateField = 'week';
    const week = r.field(get('week'), 'week', parseWeek);
    const day = r.field(get('day'), 'day', parseDay);
    if (!f.has('week') || (week === null && r.text(get('week'), 'week') === null)) {
      r.problemAt(line, 'week', 'day needs a week number too (week: 1 is the week of the plan start)');
    }
    if (!f.has('day') || (day === null && r.text(get('day'), 'day') === null)) {
      r.problemAt(line, 'day', `week needs a day too: one of ${WEEKDAYS.join(', ')}`);
    }
    if (week !== null && day !== null && start !== null) date = dateOfPlanWeek(start, week, day);
  } else {
    r.problemAt(line, 'date', 'the session needs a date (YYYY-MM-DD) or a week and day');
  }

  const order = r.field(get('order'), 'order', parseOrder);
  const distanceM = r.field(get('distance'), 'distance', parseDistance);
  const durationS = r.field(get('duration'), 'duration', parseDuration);
  const target: IntensityTarget | null = r.field(get('target'), 'target', parseTarget);
  const notesText = r.text(get('notes'), 'notes');
  const notes = notesText === null || notesText.trim() === '' ? null : notesText.trim();

  if (r.problems.length > before || kind === null || date === null) return null;
  return {
    date,
    order,
    kind,
    distanceM,
    durationS,
    target,
    notes,
    where: line !== undefined ? { line } : {},
    dateField,
  };
}

function parseWeek(text: string): Parsed<number> {
  const t = text.trim();
  if (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 104) return { ok: true, value: Number(t) };
  return { ok: false, error: `'${t}' is not a plan week: use 1, 2, … (week 1 is the week of the plan start)` };
}

function parseDay(text: string): Parsed<Weekday> {
  const day = parseWeekday(text);
  if (day) return { ok: true, value: day };
  return { ok: false, error: `'${text.trim()}' is not a weekday: use one of ${WEEKDAYS.join(', ')}` };
}

export interface PlanToYamlOptions {
  /** `absolute` writes `date: 2027-01-05`; `week` writes `week: 1` + `day: tue`. Default `absolute`. */
  dates?: 'absolute' | 'week';
}

/** Writes a plan in the YAML format; `parsePlanYaml` of the result deep-equals `plan`. */
export function planToYaml(plan: TrainingPlan, options: PlanToYamlOptions = {}): string {
  const byWeek = options.dates === 'week';
  const race: Record<string, string> | undefined = plan.race
    ? {
        date: plan.race.date,
        ...(plan.race.distanceM !== null ? { distance: formatDistance(plan.race.distanceM, plan.units) } : {}),
        ...(plan.race.goalTimeS !== null ? { goal: formatGoal(plan.race.goalTimeS) } : {}),
      }
    : undefined;
  const sessions = plan.sessions.map((s) => sessionToObject(s, plan, byWeek));
  const doc = new Document({
    name: plan.name,
    start: plan.startDate,
    units: plan.units,
    ...(race ? { race } : {}),
    sessions,
  });
  doc.commentBefore = ' Kinetic training plan (format: docs/plan-format.md)';
  const seq = doc.get('sessions', true);
  if (isSeq(seq)) {
    let lastWeek = '';
    seq.items.forEach((node, i) => {
      const session = plan.sessions[i];
      if (!session || !isMap(node)) return;
      const week = isoWeekOf(session.date);
      if (week !== lastWeek) {
        node.commentBefore = ` Week ${planWeekOf(plan.startDate, session.date)} · ${week}`;
        lastWeek = week;
      }
    });
  }
  return doc.toString({ lineWidth: 0 });
}

/** Race goals read better as h:mm:ss, even under an hour. */
function formatGoal(seconds: number): string {
  const s = Math.round(seconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

function sessionToObject(s: PlannedSession, plan: TrainingPlan, byWeek: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (byWeek) {
    out.week = planWeekOf(plan.startDate, s.date);
    out.day = weekdayOf(s.date);
  } else {
    out.date = s.date;
  }
  if (s.order !== 1) out.order = s.order;
  out.kind = s.kind;
  if (s.distanceM !== null) out.distance = formatDistance(s.distanceM, plan.units);
  if (s.durationS !== null) out.duration = formatDuration(s.durationS);
  if (s.target !== null) out.target = formatTarget(s.target, plan.units);
  if (s.notes !== null) out.notes = s.notes;
  return out;
}
