// A subscription's payload filter (README "Payload filters"): a MongoDB-style predicate over the event
// envelope `{ type, source, data, headers }`, checked when written and evaluated while routing.
// Written here rather than taken from a matcher library: the API must say *why* an event matched or
// not (filter-test), and `$regex` must run in linear time, so patterns compile with re2js (RE2).
import { RE2JS } from 're2js';

export type Filter = Record<string, unknown>;

/** What a filter is evaluated on. */
export interface FilterEnvelope {
  type: string;
  source: string;
  data: unknown;
  headers: Record<string, string>;
}

export interface FilterIssue {
  /** JSON pointer into the filter, e.g. `/data.amount/$gtt`. */
  path: string;
  message: string;
}

export interface FilterVerdict {
  matches: boolean;
  /** One line per condition evaluated, in order: what it compared and whether it held. */
  reasons: string[];
}

const COMPARISONS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$not'] as const;
const LOGICAL = ['$and', '$or', '$not'] as const;
const LIMITS = { depth: 8, conditions: 100, regexLength: 512, listLength: 500, pathSegments: 16, jsonBytes: 16_384 };
const REGEX_FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const pointer = (parts: string[]) => '/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const isOperatorObject = (value: unknown): value is Record<string, unknown> =>
  isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));

/** Every problem of a filter, each with the path of the bad part; empty when it is valid. */
export function filterIssues(filter: unknown): FilterIssue[] {
  const issues: FilterIssue[] = [];
  if (!isPlainObject(filter)) return [{ path: '/', message: 'must be a JSON object' }];
  if (JSON.stringify(filter).length > LIMITS.jsonBytes)
    return [{ path: '/', message: `must be at most ${LIMITS.jsonBytes} bytes of JSON` }];
  const counter = { conditions: 0 };
  checkQuery(filter, [], 0, issues, counter);
  if (counter.conditions > LIMITS.conditions)
    issues.push({ path: '/', message: `has ${counter.conditions} conditions; at most ${LIMITS.conditions}` });
  return issues;
}

function checkQuery(
  query: Record<string, unknown>,
  at: string[],
  depth: number,
  issues: FilterIssue[],
  counter: { conditions: number },
): void {
  if (depth > LIMITS.depth) {
    issues.push({ path: pointer(at), message: `nests deeper than ${LIMITS.depth} levels` });
    return;
  }
  for (const [key, value] of Object.entries(query)) {
    const here = [...at, key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject))
        issues.push({ path: pointer(here), message: `${key} takes a non-empty array of filters` });
      else value.forEach((sub, i) => checkQuery(sub, [...here, String(i)], depth + 1, issues, counter));
    } else if (key === '$not') {
      if (!isPlainObject(value)) issues.push({ path: pointer(here), message: '$not takes a filter' });
      else checkQuery(value, here, depth + 1, issues, counter);
    } else if (key.startsWith('$')) {
      issues.push({ path: pointer(here), message: `unknown operator ${key} (at the top level: ${LOGICAL.join(' ')})` });
    } else {
      checkField(key, value, here, depth, issues, counter);
    }
  }
}

function checkField(
  path: string,
  condition: unknown,
  at: string[],
  depth: number,
  issues: FilterIssue[],
  counter: { conditions: number },
): void {
  if (path === '' || path.split('.').length > LIMITS.pathSegments || path.split('.').some((s) => s === ''))
    issues.push({ path: pointer(at), message: `is not a dotted path of at most ${LIMITS.pathSegments} names` });
  if (!isOperatorObject(condition)) {
    counter.conditions += 1;
    return;
  }
  if (depth > LIMITS.depth) {
    issues.push({ path: pointer(at), message: `nests deeper than ${LIMITS.depth} levels` });
    return;
  }
  for (const [op, operand] of Object.entries(condition)) {
    counter.conditions += 1;
    const here = [...at, op];
    if (op === '$options') {
      if (!('$regex' in condition)) issues.push({ path: pointer(here), message: '$options goes with $regex' });
      else if (typeof operand !== 'string' || ![...operand].every((f) => f in REGEX_FLAGS))
        issues.push({ path: pointer(here), message: 'takes the flags i, m and s' });
      continue;
    }
    const problem = operandProblem(op, operand, condition);
    if (problem) issues.push({ path: pointer(here), message: problem });
    if (op === '$not' && isOperatorObject(operand)) checkField(path, operand, here, depth + 1, issues, counter);
  }
}

function operandProblem(op: string, operand: unknown, condition: Record<string, unknown>): string | undefined {
  if (!(COMPARISONS as readonly string[]).includes(op))
    return `unknown operator ${op} (on a field: ${COMPARISONS.join(' ')} $options)`;
  if ((op === '$in' || op === '$nin') && (!Array.isArray(operand) || operand.length > LIMITS.listLength))
    return `${op} takes an array of at most ${LIMITS.listLength} values`;
  if (op === '$exists' && typeof operand !== 'boolean') return '$exists takes true or false';
  if (['$gt', '$gte', '$lt', '$lte'].includes(op) && typeof operand !== 'number' && typeof operand !== 'string')
    return `${op} compares with a number or a string`;
  if (op === '$not' && !isOperatorObject(operand))
    return '$not on a field takes operators, e.g. { "$not": { "$gt": 5 } }';
  if (op === '$regex') {
    if (typeof operand !== 'string') return '$regex takes a string';
    if (operand.length > LIMITS.regexLength) return `$regex is longer than ${LIMITS.regexLength} characters`;
    try {
      compileRegex(operand, condition.$options);
    } catch (error) {
      return `$regex is not a valid RE2 pattern: ${(error as Error).message}`;
    }
  }
  return undefined;
}

// Compiled patterns by flags and source: routing evaluates the same few filters for every event.
const compiled = new Map<string, RE2JS>();
const COMPILED_MAX = 1_000;

function compileRegex(pattern: string, options: unknown): RE2JS {
  const flagText = typeof options === 'string' ? options : '';
  const key = `${flagText}/${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const flags = [...flagText].reduce((all, f) => all | (REGEX_FLAGS[f] ?? 0), 0);
    regex = RE2JS.compile(pattern, flags);
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, regex);
  }
  return regex;
}

/** The values a dotted path reaches: a step into an array reaches into each of its elements. */
function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      if (Array.isArray(value)) {
        if (/^\d+$/.test(segment) && Number(segment) < value.length) next.push(value[Number(segment)]);
        for (const element of value) if (isPlainObject(element) && segment in element) next.push(element[segment]);
      } else if (isPlainObject(value) && Object.hasOwn(value, segment)) {
        next.push(value[segment]);
      }
    }
    current = next;
  }
  // A path that ends on an array matches through its elements as well as through the array itself.
  return current.flatMap((value) => (Array.isArray(value) ? [value, ...value] : [value]));
}

const sameJson = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

function ordered(op: string, value: unknown, operand: unknown): boolean {
  if (typeof value !== typeof operand || (typeof value !== 'number' && typeof value !== 'string')) return false;
  const [a, b] = [value as number | string, operand as number | string];
  return op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b;
}

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
};

/** Evaluates a filter that `filterIssues` accepted; `reasons` says what each condition compared. */
export function evaluateFilter(filter: Filter, envelope: FilterEnvelope): FilterVerdict {
  const reasons: string[] = [];
  const matches = matchQuery(filter, envelope as unknown as Record<string, unknown>, reasons);
  return { matches, reasons };
}

function matchQuery(query: Record<string, unknown>, root: Record<string, unknown>, reasons: string[]): boolean {
  return Object.entries(query).every(([key, value]) => {
    if (key === '$and') return (value as Filter[]).every((sub) => matchQuery(sub, root, reasons));
    if (key === '$or') return (value as Filter[]).some((sub) => matchQuery(sub, root, reasons));
    if (key === '$not') return !matchQuery(value as Filter, root, reasons);
    return matchField(key, value, valuesAt(root, key), reasons);
  });
}

function matchField(path: string, condition: unknown, values: unknown[], reasons: string[]): boolean {
  if (!isOperatorObject(condition))
    return note(reasons, path, '$eq', condition, values, matchOp('$eq', condition, values, {}));
  return Object.entries(condition).every(([op, operand]) => {
    if (op === '$options') return true;
    if (op === '$not') return !matchField(path, operand, values, reasons);
    return note(reasons, path, op, operand, values, matchOp(op, operand, values, condition));
  });
}

function matchOp(op: string, operand: unknown, values: unknown[], condition: Record<string, unknown>): boolean {
  switch (op) {
    case '$eq':
      return values.some((v) => sameJson(v, operand));
    case '$ne':
      return !values.some((v) => sameJson(v, operand));
    case '$in':
      return values.some((v) => (operand as unknown[]).some((o) => sameJson(v, o)));
    case '$nin':
      return !values.some((v) => (operand as unknown[]).some((o) => sameJson(v, o)));
    case '$exists':
      return values.length > 0 === operand;
    case '$regex': {
      const regex = compileRegex(operand as string, condition.$options);
      return values.some((v) => typeof v === 'string' && regex.test(v));
    }
    default:
      return values.some((v) => ordered(op, v, operand));
  }
}

function note(reasons: string[], path: string, op: string, operand: unknown, values: unknown[], held: boolean) {
  const found =
    values.length === 0 ? 'absent' : `found ${show(values[0])}${values.length > 1 ? ` (+${values.length - 1})` : ''}`;
  reasons.push(`${path} ${op} ${show(operand)}: ${held ? 'holds' : 'does not hold'} (${found})`);
  return held;
}
