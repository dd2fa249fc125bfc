/**
 * Checks a JSON value against a definition of Strava's Swagger 2.0 spec
 * (`test/fixtures/strava/spec/strava_v3.swagger.resolved.json`), allowing exactly the differences the
 * contract's README documents for real replies ("Where real responses differ from the spec"):
 * 1. nulls in the fields the spec cannot mark nullable;
 * 2. `start_latlng` / `end_latlng` as `[]` for activities without GPS;
 * 3. the fields real replies carry that the spec lacks (per definition), plus `resource_state`,
 *    which every recorded reply carries.
 * Anything else — an unknown field, a wrong type, a value outside an enum — is reported.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const SPEC_FILE = fileURLToPath(new URL('../fixtures/strava/spec/strava_v3.swagger.resolved.json', import.meta.url));

interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  minItems?: number;
  maxItems?: number;
}

interface Spec {
  definitions: Record<string, SchemaNode>;
}

let cached: Spec | undefined;
export function loadSpec(): Spec {
  cached ??= JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8')) as Spec;
  return cached;
}

/** README deviation 1: fields that are null in real replies. */
const NULLABLE = new Set(['workout_type', 'gear_id', 'description', 'external_id', 'upload_id', 'location_city', 'location_state', 'location_country', 'suffer_score', 'primary', 'ftp']);
/** README deviation 2. */
const MAY_BE_EMPTY_LATLNG = new Set(['start_latlng', 'end_latlng']);
/** README deviation 3 (and item 1's fields that only real replies have), per definition. */
const SUMMARY_EXTRAS = ['utc_offset', 'visibility', 'has_heartrate', 'average_heartrate', 'max_heartrate', 'average_cadence', 'location_city', 'location_state', 'location_country', 'suffer_score'];
const EXTRAS: Record<string, string[]> = {
  SummaryActivity: SUMMARY_EXTRAS,
  DetailedActivity: [...SUMMARY_EXTRAS, 'perceived_exertion', 'available_zones'],
  Lap: ['average_heartrate', 'max_heartrate', 'pace_zone'],
};
const EVERYWHERE = ['resource_state'];

/** The properties of a definition, through `allOf` and `$ref`. */
function flatten(node: SchemaNode, spec: Spec): SchemaNode {
  if (node.$ref !== undefined) return flatten(spec.definitions[node.$ref.replace('#/definitions/', '')]!, spec);
  if (node.allOf === undefined) return node;
  const merged: SchemaNode = { type: 'object', properties: {} };
  for (const part of node.allOf) {
    const f = flatten(part, spec);
    Object.assign(merged.properties!, f.properties ?? {});
  }
  return merged;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Problems of `value` against definition `name` (empty when it conforms). */
export function checkAgainstSpec(name: string, value: unknown): string[] {
  const spec = loadSpec();
  const problems: string[] = [];
  visit({ $ref: `#/definitions/${name}` }, value, name, name, undefined);
  return problems;

  function visit(node: SchemaNode, v: unknown, at: string, defName: string, key: string | undefined): void {
    let def = defName;
    if (node.$ref !== undefined) def = node.$ref.replace('#/definitions/', '');
    const s = flatten(node, spec);
    if (v === null) {
      if (key === undefined || !NULLABLE.has(key)) problems.push(`${at}: null`);
      return;
    }
    if (s.enum !== undefined && !s.enum.includes(v)) problems.push(`${at}: ${JSON.stringify(v)} is not one of the spec's values`);
    switch (s.type ?? (s.properties !== undefined ? 'object' : undefined)) {
      case 'integer':
        if (!Number.isInteger(v)) problems.push(`${at}: expected integer, got ${JSON.stringify(v)}`);
        return;
      case 'number':
        if (typeof v !== 'number') problems.push(`${at}: expected number, got ${JSON.stringify(v)}`);
        return;
      case 'string':
        if (typeof v !== 'string') problems.push(`${at}: expected string, got ${JSON.stringify(v)}`);
        else if (s.format === 'date-time' && !DATE_TIME.test(v)) problems.push(`${at}: not a date-time: ${v}`);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') problems.push(`${at}: expected boolean, got ${JSON.stringify(v)}`);
        return;
      case 'array': {
        if (!Array.isArray(v)) {
          problems.push(`${at}: expected array`);
          return;
        }
        const emptyOk = v.length === 0 && key !== undefined && MAY_BE_EMPTY_LATLNG.has(key);
        if (!emptyOk && s.minItems !== undefined && v.length < s.minItems) problems.push(`${at}: fewer than ${s.minItems} items`);
        if (s.maxItems !== undefined && v.length > s.maxItems) problems.push(`${at}: more than ${s.maxItems} items`);
        if (s.items !== undefined) v.forEach((item, i) => visit(s.items!, item, `${at}[${i}]`, def, undefined));
        return;
      }
      case 'object': {
        if (typeof v !== 'object' || Array.isArray(v)) {
          problems.push(`${at}: expected object`);
          return;
        }
        const props = s.properties ?? {};
        const extras = new Set([...EVERYWHERE, ...(EXTRAS[def] ?? [])]);
        for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
          const p = props[k];
          if (p === undefined) {
            if (!extras.has(k)) problems.push(`${at}.${k}: not in the spec (and not a documented deviation)`);
            continue;
          }
          visit(p, child, `${at}.${k}`, def, k);
        }
        return;
      }
      case undefined:
      default:
        return;
    }
  }
}
