import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../plan/check.ts';
import { parsePlanCsv, planToCsv } from './csv.ts';
import { planToIcs } from './ics.ts';
import { parsePlanYaml, planToYaml } from './yaml.ts';

/** The examples in docs/plan-format.md must stay valid, clean plans. */
const doc = readFileSync(new URL('../../../docs/plan-format.md', import.meta.url), 'utf8');

function block(lang: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc);
  if (!m?.[1]) throw new Error(`no ${lang} block in docs/plan-format.md`);
  return m[1];
}

describe('docs/plan-format.md examples', () => {
  it('the YAML example is a valid plan that passes plan check and round-trips', () => {
    const plan = parsePlanYaml(block('yaml'), { filename: 'example.yaml' });
    expect(plan.sessions).toHaveLength(19);
    expect(plan.sessions.filter((s) => s.kind === 'strength').map((s) => s.order)).toEqual([2, 2, 2, 2, 2]);
    expect(checkPlan(plan)).toEqual([]);
    expect(parsePlanYaml(planToYaml(plan))).toEqual(plan);
    expect(planToIcs(plan, { uidSeed: 'docs' })).toContain('SUMMARY:Long run 16 mi');
  });

  it('the CSV example is a valid plan', () => {
    const plan = parsePlanCsv(block('csv'), { name: 'Coach export', filename: 'example.csv' });
    expect(plan.sessions).toHaveLength(8);
    expect(plan.sessions[0]?.notes).toBe('6×800 m at 5K pace, 400 m jog');
    expect(parsePlanCsv(planToCsv(plan), { name: 'Coach export' })).toEqual(plan);
  });
});
