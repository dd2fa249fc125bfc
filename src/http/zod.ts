/**
 * Zod 4 schemas as the one schema language of the HTTP API: routes declare zod schemas for params,
 * querystring, body and responses; requests are validated (and typed, through `ZodTypeProvider`)
 * with them, responses are serialised through them (unknown fields are stripped, so a row never
 * leaks a column the contract does not name), and the OpenAPI document at /docs is generated from
 * them with `z.toJSONSchema`.
 */
import type { FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler, FastifyTypeProvider } from 'fastify';
import { z } from 'zod';

export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export interface FieldProblem {
  /** Where: `body.maxHr`, `querystring.limit`, `params.id`. */
  field: string;
  message: string;
}

/** A request part that does not match its schema: 400, every bad field named. */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError';
  readonly statusCode = 400;
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid request: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

export function problemsOf(part: string, error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((i) => {
    const at = [part, ...i.path.map(String)];
    // One problem per unknown field, named (a misspelt `maxhr` says so).
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: [...at, k].join('.'), message: 'unknown field' }));
    return [{ field: at.join('.'), message: i.message }];
  });
}

function isZod(schema: unknown): schema is z.ZodType {
  return schema instanceof z.ZodType;
}

/**
 * Where `value` holds a string with a NUL character (`\u0000`): no field takes one, and Postgres
 * cannot store one in text. Walks plain objects and arrays only, without recursion.
 */
export function nulFields(part: string, value: unknown): FieldProblem[] {
  const out: FieldProblem[] = [];
  const stack: { at: string; value: unknown }[] = [{ at: part, value }];
  while (stack.length > 0) {
    const { at, value: v } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) out.push({ field: at, message: 'must not contain a NUL character (\\u0000)' });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ at: `${at}.${i}`, value: item }));
    } else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, item] of Object.entries(v)) stack.push({ at: `${at}.${k}`, value: item });
    }
  }
  return out.reverse();
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (!isZod(schema)) throw new Error(`route schema for ${httpPart ?? 'a request part'} must be a zod schema`);
  const part = httpPart ?? 'request';
  return (data: unknown) => {
    // Fastify passes null for an absent part.
    const result = schema.safeParse(data ?? undefined);
    if (!result.success) return { error: new RequestValidationError(problemsOf(part, result.error)) };
    const nul = nulFields(part, result.data);
    return nul.length === 0 ? { value: result.data } : { error: new RequestValidationError(nul) };
  };
};

const VERBATIM = new WeakSet<z.ZodType>();

/**
 * Marks a response schema whose documents are sent exactly as the handler made them (checked against
 * the schema, not rebuilt by it), e.g. the week document, which must stay byte-for-byte what
 * `kinetic week --json` prints.
 */
export function verbatim<T extends z.ZodType>(schema: T): T {
  VERBATIM.add(schema);
  return schema;
}

/** A response that does not match its declared schema is a bug: it fails loudly (500), never half-sent. */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema, method, url }) => {
  if (!isZod(schema)) return (data) => JSON.stringify(data);
  const asIs = VERBATIM.has(schema);
  return (data) => {
    const result = schema.safeParse(data);
    if (!result.success) throw new Error(`response of ${method} ${url} does not match its schema: ${z.prettifyError(result.error)}`);
    return JSON.stringify(asIs ? data : result.data);
  };
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  return rest;
}

/** @fastify/swagger `transform`: the route's zod schemas as JSON Schema (requests as input, responses as output). */
export function openApiTransform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if (schema === undefined || schema === null) return { schema, url };
  const out: Record<string, unknown> = { ...schema };
  for (const part of ['params', 'querystring', 'body', 'headers'] as const) {
    const s = schema[part];
    if (isZod(s)) out[part] = jsonSchema(s, 'input');
  }
  if (schema.response !== undefined && typeof schema.response === 'object') {
    out.response = Object.fromEntries(
      Object.entries(schema.response as Record<string, unknown>).map(([code, s]) => [code, isZod(s) ? jsonSchema(s, 'output') : s]),
    );
  }
  return { schema: out, url };
}
