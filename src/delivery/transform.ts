// A subscription's transformation (README "Transformations"): a JSONata expression that maps the event
// envelope to the body actually sent, and may add headers or cancel the delivery. Bounded in time,
// stack depth and sequence length; its regular expressions run on RE2 (linear time), so a runaway
// expression fails instead of holding the worker's thread.
import jsonata from 'jsonata';
import { RE2JS } from 're2js';

export interface TransformOutput {
  body: unknown;
  headers: Record<string, string>;
  cancelled: boolean;
}

export interface TransformLimits {
  timeoutMs: number;
}

/** The expression failed, ran too long or too deep, or produced something that cannot be sent. */
export class TransformFailed extends Error {
  override name = 'TransformFailed';
}

const MAX_EXPRESSION_LENGTH = 10_000;
const MAX_STACK_DEPTH = 200;
const MAX_SEQUENCE = 100_000;
const RESERVED_HEADER = /^(host|content-type|content-length|transfer-encoding|connection|user-agent|webhook-.*)$/i;
const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const RESULT_KEYS = new Set(['body', 'headers', 'cancel']);

/**
 * A RegExp-shaped wrapper over RE2 for JSONata's regex literals: it calls only `exec` and `lastIndex`.
 * Unicode-agnostic flags other than i and m are refused when the expression is compiled.
 */
class Re2RegexEngine {
  lastIndex = 0;
  private readonly re: RE2JS;
  constructor(source: RegExp) {
    const flags =
      (source.flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (source.flags.includes('m') ? RE2JS.MULTILINE : 0);
    this.re = RE2JS.compile(source.source, flags);
  }
  exec(text: string): (string[] & { index: number }) | null {
    const matcher = this.re.matcher(text);
    if (!matcher.find(this.lastIndex)) return null;
    const groups = Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i) ?? undefined);
    this.lastIndex = matcher.end();
    return Object.assign(groups as string[], { index: matcher.start() });
  }
}

const compiled = new Map<string, jsonata.Expression>();
const COMPILED_MAX = 500;

function compile(expression: string, timeoutMs: number): jsonata.Expression {
  const key = `${timeoutMs}:${expression}`;
  let found = compiled.get(key);
  if (!found) {
    found = jsonata(expression, {
      timeout: timeoutMs,
      stack: MAX_STACK_DEPTH,
      sequence: MAX_SEQUENCE,
      RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
    });
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, found);
  }
  return found;
}

const messageOf = (error: unknown) => {
  const e = error as { message?: string; code?: string; position?: number };
  const where = e.position === undefined ? '' : ` at position ${e.position}`;
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}${where}`;
};

/** Why an expression cannot be stored (its syntax error), or undefined when it compiles. */
export function transformIssue(expression: string): string | undefined {
  if (expression.length > MAX_EXPRESSION_LENGTH) return `is longer than ${MAX_EXPRESSION_LENGTH} characters`;
  try {
    jsonata(expression);
    return undefined;
  } catch (error) {
    return `is not a valid JSONata expression: ${messageOf(error)}`;
  }
}

/** Runs the expression on `envelope`; throws TransformFailed with the expression's error. */
export async function runTransform(
  expression: string,
  envelope: unknown,
  limits: TransformLimits,
): Promise<TransformOutput> {
  let result: unknown;
  try {
    result = await compile(expression, limits.timeoutMs).evaluate(envelope);
  } catch (error) {
    throw new TransformFailed(messageOf(error));
  }
  return interpret(result);
}

/** `{ body, headers?, cancel? }` as given; any other value is the body itself. */
function interpret(result: unknown): TransformOutput {
  if (result === undefined) throw new TransformFailed('the expression produced no value');
  const shaped =
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result) &&
    Object.keys(result).length > 0 &&
    Object.keys(result).every((k) => RESULT_KEYS.has(k)) &&
    ('body' in result || 'cancel' in result);
  if (!shaped) return { body: plainJson(result), headers: {}, cancelled: false };
  const { body, headers, cancel } = result as { body?: unknown; headers?: unknown; cancel?: unknown };
  if (cancel === true) return { body: null, headers: {}, cancelled: true };
  if (body === undefined) throw new TransformFailed('the result has no body');
  return { body: plainJson(body), headers: checkedHeaders(headers), cancelled: false };
}

function plainJson(value: unknown): unknown {
  if (typeof value === 'function') throw new TransformFailed('the expression produced a function, not JSON');
  // JSONata sequences and frames are arrays and objects with extra properties: keep only the JSON.
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function checkedHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new TransformFailed('headers must be an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADER.test(name))
      throw new TransformFailed(`header ${JSON.stringify(name)} cannot be set by a transformation`);
    if (typeof value !== 'string' || /[\r\n]/.test(value) || value.length > 1_000)
      throw new TransformFailed(`header ${name} must be a string of at most 1,000 characters without line breaks`);
    out[name] = value;
  }
  return out;
}
