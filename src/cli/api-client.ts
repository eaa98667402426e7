/** Exit codes scripts can rely on. */
export const exitCodes = { ok: 0, apiError: 1, usage: 2, unreachable: 3, partial: 4 } as const;

/** An error answer from the API (problem+json), or no answer at all. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string | undefined;
}

/** Reads HOOKFLOW_URL and MANAGEMENT_API_KEY from the environment (flags may override). */
export function apiClientFromEnv(overrides: { url?: string; key?: string } = {}): ApiClient {
  return new ApiClient({
    baseUrl: overrides.url ?? process.env.HOOKFLOW_URL ?? 'http://127.0.0.1:3000',
    apiKey: overrides.key ?? process.env.MANAGEMENT_API_KEY,
  });
}

/** Thin JSON client for the management API. */
export class ApiClient {
  constructor(readonly options: ApiClientOptions) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(
        `Cannot reach Hookflow at ${this.options.baseUrl}: ${(error as Error).message}. Set HOOKFLOW_URL.`,
        exitCodes.unreachable,
      );
    }
    const text = await response.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const problem = parsed as { title?: string; detail?: string } | undefined;
      throw new CliError(
        `${response.status} ${problem?.title ?? response.statusText}: ${problem?.detail ?? text}`,
        exitCodes.apiError,
        parsed,
      );
    }
    return { status: response.status, body: parsed as T };
  }

  get<T>(path: string) {
    return this.request<T>('GET', path).then((r) => r.body);
  }

  post<T>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body).then((r) => r.body);
  }

  /** Every row of a paged list: follows `nextCursor` to the last page (or `max` rows). */
  async getAll<T>(path: string, max = 10_000): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: { data: T[]; nextCursor: string | null } = await this.get(
        `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      rows.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor && rows.length < max);
    return rows;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
