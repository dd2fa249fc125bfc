/** The one error a plan file turns into when anything in it is wrong: every problem, with its place. */

export interface PlanProblem {
  /** 1-based line in a YAML file. */
  line?: number;
  /** 1-based row in a CSV file; the header is row 1. */
  row?: number;
  /** The field (YAML key or CSV column) the problem is about. */
  field?: string;
  message: string;
}

/** `plan.yaml line 14, field distance: '-3 km' is negative`. */
export function formatProblem(problem: PlanProblem, filename?: string): string {
  const where: string[] = [];
  if (filename) where.push(filename);
  if (problem.line !== undefined) where.push(`line ${problem.line}`);
  if (problem.row !== undefined) where.push(`row ${problem.row}`);
  let place = where.join(' ');
  if (problem.field !== undefined) place = place ? `${place}, field ${problem.field}` : `field ${problem.field}`;
  return place ? `${place}: ${problem.message}` : problem.message;
}

function position(p: PlanProblem): number {
  return p.line ?? p.row ?? 0;
}

/**
 * A malformed plan file. The whole file is rejected; `problems` lists everything found, in file order,
 * so the author can fix it in one pass. Nothing of the file should be stored.
 */
export class PlanFormatError extends Error {
  override readonly name = 'PlanFormatError';
  readonly problems: readonly PlanProblem[];
  readonly filename: string | undefined;

  constructor(problems: readonly PlanProblem[], options: { filename?: string } = {}) {
    // The same problem found twice (a YAML template merged into many sessions) is listed once; a stable
    // sort keeps problems of the same line in the order they were found.
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const key = JSON.stringify([p.line, p.row, p.field, p.message]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const sorted = unique.sort((a, b) => position(a) - position(b));
    const label = options.filename ?? 'plan';
    const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
    const lines = sorted.map((p) => `  - ${formatProblem(p, options.filename)}`);
    super(`${label} is not a valid plan (${count}):\n${lines.join('\n')}`);
    this.problems = sorted;
    this.filename = options.filename;
  }
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys, columns and kinds. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** ` (did you mean 'distance'?)` when a known word is close to `word`, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(w, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(w.length / 3)) ? ` (did you mean '${best}'?)` : '';
}
