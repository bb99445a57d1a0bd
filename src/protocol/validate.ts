import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

/** A compiled-on-first-use validator. */
export interface Validator<T extends TSchema> {
  (value: unknown): value is Static<T>;
  /** Readable reasons (`at /client/id: must be equal to one of the allowed values`). */
  explain(value: unknown): string;
  readonly schema: T;
}

/** Compiles `schema` lazily so that a CLI command pays only for the validators it uses. */
export function lazyValidator<T extends TSchema>(schema: T): Validator<T> {
  let compiled: TypeCheck<T> | undefined;
  const get = (): TypeCheck<T> => (compiled ??= TypeCompiler.Compile(schema));
  const check = ((value: unknown) => get().Check(value)) as Validator<T>;
  check.explain = (value: unknown) => formatValidationErrors(get().Errors(value));
  Object.defineProperty(check, 'schema', { value: schema });
  return check;
}

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const lastSegment = (path: string): string => path.slice(path.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
const at = (path: string): string => (path === '' ? 'root' : path);

function describe(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.Union:
      return 'must be equal to one of the allowed values';
    case ValueErrorType.Literal:
      return 'must be equal to constant';
    case ValueErrorType.String:
      return 'must be string';
    case ValueErrorType.Integer:
      return 'must be integer';
    case ValueErrorType.Number:
      return 'must be number';
    case ValueErrorType.Boolean:
      return 'must be boolean';
    case ValueErrorType.Array:
      return 'must be array';
    case ValueErrorType.Object:
      return 'must be object';
    case ValueErrorType.StringMinLength:
      return `must not have fewer than ${String(s.minLength)} characters`;
    case ValueErrorType.StringMaxLength:
      return `must not have more than ${String(s.maxLength)} characters`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be >= ${String(s.minimum)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be <= ${String(s.maximum)}`;
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

/**
 * Formats validator output the way the real gateway words it (vectors bad-frames, auth-failure):
 * the first missing property and the first unexpected one per object, then the other errors,
 * joined with `; `. A property reported missing gets no second "must be string" line.
 */
export function formatValidationErrors(errors: Iterable<ValueError>): string {
  const required: string[] = [];
  const additional: string[] = [];
  const other: string[] = [];
  const missingPaths = new Set<string>();
  const seenRequiredParent = new Set<string>();
  const seenAdditionalParent = new Set<string>();
  const all = [...errors];
  for (const e of all) {
    if (e.type !== ValueErrorType.ObjectRequiredProperty) continue;
    missingPaths.add(e.path);
    const parent = parentOf(e.path);
    if (seenRequiredParent.has(parent)) continue;
    seenRequiredParent.add(parent);
    const prefix = parent === '' ? '' : `at ${parent}: `;
    required.push(`${prefix}must have required property '${lastSegment(e.path)}'`);
  }
  for (const e of all) {
    if (e.type === ValueErrorType.ObjectRequiredProperty) continue;
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const parent = parentOf(e.path);
      if (seenAdditionalParent.has(parent)) continue;
      seenAdditionalParent.add(parent);
      additional.push(`at ${at(parent)}: unexpected property '${lastSegment(e.path)}'`);
      continue;
    }
    if (missingPaths.has(e.path)) continue;
    other.push(`at ${at(e.path)}: ${describe(e)}`);
  }
  const parts = [...required, ...additional, ...other];
  return parts.length > 0 ? parts.join('; ') : 'invalid value';
}
