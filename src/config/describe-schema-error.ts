import type { ErrorObject } from 'ajv/dist/2020.js';
import { describeValue } from './describe-value.js';
import { suggestName } from './did-you-mean.js';

const ARTICLE: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function schemaDescription(error: ErrorObject): string | undefined {
  const description = (error.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof description === 'string' ? description : undefined;
}

/** The property names an object schema allows, for "did you mean". */
export function allowedProperties(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties) : [];
}

/** The property an additionalProperties error is about, and a likely intended name. */
export function unknownProperty(error: ErrorObject): { name: string; suggestion?: string } {
  const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
  const suggestion = suggestName(name, allowedProperties(error));
  return suggestion === undefined ? { name } : { name, suggestion };
}

/** A sentence a person reads, for one ajv error (without the path in front). */
export function describeSchemaError(error: ErrorObject, property: string | undefined): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'additionalProperties': {
      const { name, suggestion } = unknownProperty(error);
      const allowed = allowedProperties(error);
      if (suggestion) return `unknown property "${name}" (did you mean "${suggestion}"?)`;
      // a mapping of free names (vars:, groups:): its description says what a name is
      if (allowed.length === 0) return `${JSON.stringify(name)} is not a valid name here; ${schemaDescription(error) ?? 'no name is'}`;
      return `unknown property "${name}"; allowed here: ${allowed.join(', ')}`;
    }
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : [String(params.type)];
      return `must be ${types.map((t) => ARTICLE[t] ?? t).join(' or ')}, got ${describeValue(error.data)}`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof error.data === 'string' ? suggestName(error.data, allowed.map(String)) : undefined;
      const mean = guess !== undefined && guess !== error.data ? ` (did you mean "${guess}"?)` : '';
      return `must be one of ${allowed.map(show).join(', ')}, got ${describeValue(error.data)}${mean}`;
    }
    case 'minimum':
      return `must be at least ${String(params.limit)}, got ${describeValue(error.data)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}, got ${describeValue(error.data)}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} ${params.limit === 1 ? 'entry' : 'entries'}`;
    case 'const':
      return `must be ${show(params.allowedValue)}, got ${describeValue(error.data)}`;
    case 'not':
      return schemaDescription(error) ?? `"${property ?? '?'}" is not allowed here`;
    case 'false schema':
      return `"${property ?? '?'}" is not allowed with ensure: absent`;
    case 'maxItems':
      return params.limit === 0 ? (schemaDescription(error) ?? 'must be empty') : `must have at most ${String(params.limit)} entries`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`;
    case 'anyOf':
    case 'oneOf':
    case 'pattern': {
      const description = schemaDescription(error);
      return description ? `${describeValue(error.data)} is not allowed; ${description}` : `${describeValue(error.data)} is not allowed here`;
    }
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}
