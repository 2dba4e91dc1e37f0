// A small typed GraphQL-over-fetch client for Railway's public API. Railway answers most failures
// with HTTP 200 and an `errors` array, so every response's `errors` is inspected before its `data`.
// Failures become the project's error classes here, once: "Not Authorized" → AccessDeniedError,
// rate limits → ThrottledError with the service's wait hint, 5xx / network / Cloudflare's HTML 403
// page → TransientError; each call is retried with src/core/retry.ts. No message carries a value.
import type { Logger } from "pino";
import type { Clock } from "../../src/core/clock.js";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  type RotatorError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from "../../src/core/retry.js";
import type { GraphqlDocument } from "./documents.js";
import { graphqlEnvelopeSchema, type RailwayTokenType } from "./schema.js";

export const AUTH_HEADERS: Record<RailwayTokenType, string> = {
  account: "Authorization",
  team: "Team-Access-Token",
  project: "Project-Access-Token",
};

export interface RailwayClientOptions {
  apiUrl: string;
  token: string;
  tokenType: RailwayTokenType;
  clock: Clock;
  log: Logger;
  retry?: RetryPolicy;
  /** Per attempt; a slow answer becomes a TransientError and is retried. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  /** Strings that must never appear in an error message (the value being written). */
  sensitive?: string[];
}

const MAX_MESSAGE = 300;

export function authHeader(tokenType: RailwayTokenType, token: string): Record<string, string> {
  return { [AUTH_HEADERS[tokenType]]: tokenType === "account" ? `Bearer ${token}` : token };
}

/**
 * Milliseconds to wait, from `Retry-After` (seconds or an HTTP date) or else `X-RateLimit-Reset`
 * (read as seconds from now when small, else as epoch seconds or milliseconds, or as a date).
 */
export function waitHintMs(headers: Headers, now: Date): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now.getTime());
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (!reset) return undefined;
  const number = Number(reset);
  if (Number.isFinite(number)) {
    if (number < 1e9) return Math.max(0, number * 1000);
    const epochMs = number < 1e12 ? number * 1000 : number;
    return Math.max(0, epochMs - now.getTime());
  }
  const date = Date.parse(reset);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

function redact(text: string, sensitive: string[]): string {
  let clean = text;
  for (const secret of sensitive) if (secret.length > 0) clean = clean.split(secret).join("[redacted]");
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}

/** Cloudflare's block/challenge page: HTML, not JSON. Railway's own denials are JSON (see README). */
function isHtml(contentType: string | null, body: string): boolean {
  return (contentType ?? "").includes("text/html") || /^\s*<(!doctype|html)/i.test(body);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class RailwayClient {
  readonly #options: RailwayClientOptions;

  constructor(options: RailwayClientOptions) {
    this.#options = options;
  }

  /** Runs one document, retrying what may pass; resolves to its validated `data`. */
  request<Variables, Data>(doc: GraphqlDocument<Variables, Data>, variables: Variables, options: RequestOptions = {}): Promise<Data> {
    const { clock, log } = this.#options;
    return withRetry(() => this.#attempt(doc, variables, options.sensitive ?? []), this.#options.retry ?? DEFAULT_RETRY, {
      clock,
      onRetry: ({ attempt, delayMs, error }) =>
        log.warn({ operation: doc.operationName, attempt, delayMs, code: error.code }, "railway call failed; retrying"),
    });
  }

  async #attempt<Variables, Data>(doc: GraphqlDocument<Variables, Data>, variables: Variables, sensitive: string[]): Promise<Data> {
    const { apiUrl, token, tokenType, clock } = this.#options;
    const operation = doc.operationName;
    let response: Response;
    let text: string;
    try {
      response = await fetch(apiUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...authHeader(tokenType, token) },
        body: JSON.stringify({ operationName: operation, query: doc.query, variables }),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransientError(`Railway ${operation}: no answer from ${apiUrl} (${reason})`, { cause: error });
    }

    const { status, headers } = response;
    if (status === 429) {
      throw new ThrottledError(`Railway ${operation}: rate limited (HTTP 429)`, { retryAfterMs: waitHintMs(headers, clock.now()) });
    }
    if (status >= 500) throw new TransientError(`Railway ${operation}: HTTP ${status}`);
    const json = parseJson(text);
    if (json === undefined) {
      if (status === 403 && isHtml(headers.get("content-type"), text)) {
        throw new TransientError(`Railway ${operation}: HTTP 403 HTML page from the edge (Cloudflare under load), not an API denial`);
      }
      throw new DestinationError(`Railway ${operation}: HTTP ${status} with a body that is not JSON`);
    }
    const envelope = graphqlEnvelopeSchema.safeParse(json);
    if (!envelope.success) throw new DestinationError(`Railway ${operation}: HTTP ${status}, not a GraphQL response`);
    const errors = envelope.data.errors ?? [];
    if (errors.length > 0) throw this.#fromGraphqlErrors(operation, errors, status, headers, sensitive);
    if (status === 401) throw this.#denied(operation, `HTTP 401`, AuthenticationError);
    if (status === 403) throw this.#denied(operation, `HTTP 403`, AccessDeniedError);
    if (status < 200 || status >= 300) throw new DestinationError(`Railway ${operation}: HTTP ${status}`);

    const data = doc.data.safeParse(envelope.data.data);
    if (!data.success) {
      // The zod error is not attached: the data of a variables query holds other variables' values.
      const paths = data.error.issues.map((issue) => issue.path.join(".") || "(root)").join(", ");
      throw new DestinationError(`Railway ${operation}: unexpected response shape at ${paths}`);
    }
    return data.data;
  }

  #fromGraphqlErrors(
    operation: string,
    errors: { message: string; extensions?: { code?: string | undefined } | undefined }[],
    status: number,
    headers: Headers,
    sensitive: string[],
  ): RotatorError {
    const messages = errors.map((e) => redact(e.message, sensitive));
    const codes = errors.map((e) => e.extensions?.code ?? "");
    const summary = messages.map((m) => JSON.stringify(m)).join("; ");
    if (messages.some((m) => /not authori[sz]ed|unauthori[sz]ed|forbidden/i.test(m)) || codes.includes("FORBIDDEN")) {
      return this.#denied(operation, summary, AccessDeniedError);
    }
    if (codes.includes("UNAUTHENTICATED")) return this.#denied(operation, summary, AuthenticationError);
    if (messages.some((m) => /rate.?limit|too many requests/i.test(m))) {
      return new ThrottledError(`Railway ${operation}: rate limited: ${summary}`, {
        retryAfterMs: waitHintMs(headers, this.#options.clock.now()),
      });
    }
    if (codes.includes("INTERNAL_SERVER_ERROR") || messages.some((m) => /internal server error|timed? ?out/i.test(m))) {
      return new TransientError(`Railway ${operation}: ${summary}`);
    }
    return new DestinationError(`Railway ${operation} failed (HTTP ${status}): ${summary}`);
  }

  #denied(
    operation: string,
    detail: string,
    kind: typeof AccessDeniedError | typeof AuthenticationError,
  ): AccessDeniedError | AuthenticationError {
    const { tokenType } = this.#options;
    const message =
      `Railway ${operation}: ${detail}. Check the destination's \`token\` and \`tokenType\` ` +
      `(tokenType ${tokenType} sends the ${AUTH_HEADERS[tokenType]} header; a project token works only in its own project ` +
      `and environment, and the token must be allowed to change variables and deploy)`;
    return kind === AccessDeniedError ? new AccessDeniedError(message) : new AuthenticationError(message);
  }
}
