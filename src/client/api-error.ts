/**
 * An error answer of the API, or a failure to reach it, as one type: the HTTP status (0 when no answer came),
 * the API's error code and message, the field it names when a request was refused for one, and the whole
 * error object for the details some codes carry (`quota`, `report_ids`, `allowed`, …).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Seconds the API asked the caller to wait before trying again (`Retry-After`), when it said. */
    readonly retryAfterSeconds?: number,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /** The error as the CLI prints it with `--json`: the API's own fields, and the status. */
  toJSON(): Record<string, unknown> {
    return {
      ...this.details,
      status: this.status,
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
    };
  }
}

/** `Retry-After` as a number of seconds: the delay form only, which is the one the API sends. */
export function retryAfterOf(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  return raw !== null && /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

/**
 * The {@link ApiError} an answer that is not a success stands for. The API answers `{error: {code, message}}`;
 * anything else (a proxy's HTML page, an empty body) still becomes an error with the status, coded `http_<status>`,
 * so that a caller has one type to handle.
 */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  const retryAfter = retryAfterOf(res.headers);
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    const { code, message, field, ...details } = error as Record<string, unknown>;
    return new ApiError(
      res.status,
      code as string,
      typeof message === 'string' ? message : `HTTP ${res.status}`,
      typeof field === 'string' ? field : undefined,
      retryAfter,
      details,
    );
  }
  const excerpt = text.trim().slice(0, 200);
  return new ApiError(
    res.status,
    `http_${res.status}`,
    `the server answered ${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ''}`,
    undefined,
    retryAfter,
  );
}
