import yaml from 'js-yaml';
import { isYamlFloat, isYamlInt } from './yaml-number-forms.js';

// The `yaml` library's YAML 1.2 core scalars, which the reference path loads with intAsBigInt. Integers
// and floats are told apart by character code (yaml-number-forms), as the reference path does.
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

// Each resolver looks at the length or first character before its pattern: js-yaml tries every implicit type on
// every plain scalar, and most scalars of a config (names, types, paths) are none of them.
const BOOL_LEAD = /^[tTfF]/;
const NUMBER_LEAD = /^[-+.0-9]/;

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && data.length <= 4 && /^(?:~|[Nn]ull|NULL)?$/.test(data),
  construct: () => null,
});

const bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && (data.length === 4 || data.length === 5) && BOOL_LEAD.test(data) && /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(data),
  construct: (data: string) => data[0] === 't' || data[0] === 'T',
});

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// Up to 15 decimal digits is always a safe integer, read without a bigint; `-0` is left to BigInt (it is 0 there)
const SHORT_DECIMAL = /^\+?[0-9]{1,15}$|^-[0-9]*[1-9][0-9]*$/;

const int = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && NUMBER_LEAD.test(data) && isYamlInt(data),
  // BigInt reads 0o and 0x prefixes and a sign, as the yaml library does with intAsBigInt; an integer
  // that a number holds exactly becomes that number (the value checks treat both alike), so only the
  // few above 2^53 need a copy for the schema validator
  construct: (data: string) => {
    if (data.length <= 16 && SHORT_DECIMAL.test(data)) return Number(data);
    const n = BigInt(data);
    if (n >= MIN_SAFE && n <= MAX_SAFE) return Number(n);
    made++;
    return n;
  },
});

let made = 0;

/** How many integers this schema has loaded as bigint so far: a load that made none needs no number copy. */
export function bigintsMade(): number {
  return made;
}

const float = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && NUMBER_LEAD.test(data) && (FLOAT_SPECIAL.test(data) || isYamlFloat(data)),
  construct: (data: string) => {
    if (!FLOAT_SPECIAL.test(data)) return parseFloat(data);
    if (data.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return data.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  },
});

// `<<` unquoted is a merge key, as the reference path loads it (js-yaml's own type also takes an empty key)
const merge = new yaml.Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: unknown) => data === '<<',
});

/**
 * js-yaml's failsafe schema with the YAML 1.2 core scalars exactly as the `yaml` library resolves
 * them: merge keys, no timestamps, binary or `_` digit separators; an integer beyond 2^53 is a bigint.
 */
export const FAST_CORE_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [merge, nullType, bool, int, float] });
