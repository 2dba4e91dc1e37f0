// A small typed client for the eight Vercel REST calls the destination makes (see README: why not
// @vercel/sdk). Every call carries the bearer token and `teamId`, runs under a per-request timeout,
// is retried on 429 / 5xx / network failures with src/core/retry.ts, and maps the rest onto the
// project's error classes with a message naming the config field to fix. Responses are parsed with
// lenient zod shapes (schema.ts), and anything that came from the server is redacted of the value.
import type { Logger } from "pino";
import type { z } from "zod";
import type { Clock } from "../../src/core/clock.js";
import {
  AccessDeniedError,
  AuthenticationError,
  DestinationError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from "../../src/core/errors.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../../src/core/retry.js";
import type { RotatorError } from "../../src/core/errors.js";
import type { SecretValue } from "../../src/core/secret.js";
import { errorEnvelopeSchema } from "./schema.js";

export interface VercelClientOptions {
  apiUrl: string;
  token: string;
  teamId?: string | undefined;
  /** Project id or name as configured: named in error messages. */
  project: string;
  clock: Clock;
  log: Logger;
  retry?: RetryPolicy;
  timeoutMs?: number;
}

export interface VercelCall<T> {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path with placeholders filled and encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: z.ZodType<T>;
  /** Names the call in messages: `list env of project "x"`. */
  what: string;
  /** Values sent in the body: scrubbed from anything the server says back. */
  secrets?: SecretValue[];
  /** 404 means "no such thing" for this call (an env record, a deployment): answer undefined. */
  allowNotFound?: boolean;
}

/** Replaces each secret in text that came from outside. */
export function redact(text: string, secrets: readonly SecretValue[]): string {
  return secrets.reduce((result, secret) => result.split(secret.reveal()).join("[redacted]"), text);
}

/** The wait a 429 asks for: `Retry-After`, else `X-RateLimit-Reset` (unix seconds), else the body's `limit`. */
export function retryAfterMs(headers: Headers, body: unknown, now: Date): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter && /^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
  if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) return Math.max(0, Date.parse(retryAfter) - now.getTime());
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now.getTime());
  const envelope = errorEnvelopeSchema.safeParse(body);
  const limit = envelope.success ? (envelope.data.error.limit ?? envelope.data.limit) : undefined;
  if (limit?.resetMs !== undefined) return Math.max(0, limit.resetMs - now.getTime());
  if (limit?.reset !== undefined) return Math.max(0, limit.reset * 1000 - now.getTime());
  return undefined;
}

export class VercelClient {
  readonly #options: VercelClientOptions;
  readonly #baseUrl: string;

  constructor(options: VercelClientOptions) {
    this.#options = options;
    this.#baseUrl = options.apiUrl.replace(/\/+$/, "");
  }

  /** One call, retried while the failure is retryable; answers the parsed body. */
  async call<T>(call: VercelCall<T>): Promise<T | undefined> {
    const { clock, log } = this.#options;
    return withRetry(() => this.#once(call), this.#options.retry ?? DEFAULT_RETRY, {
      clock,
      onRetry: ({ attempt, delayMs, error }) =>
        log.warn({ call: call.what, attempt, delayMs, code: error.code }, "Vercel call failed; retrying"),
    });
  }

  async #once<T>(call: VercelCall<T>): Promise<T | undefined> {
    const { token, teamId, timeoutMs } = this.#options;
    const url = new URL(`${this.#baseUrl}${call.path}`);
    for (const [name, value] of Object.entries({ ...call.query, ...(teamId ? { teamId } : {}) })) {
      url.searchParams.set(name, value);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(call.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TransientError(`could not reach Vercel at ${this.#baseUrl} to ${call.what} (${redact(reason, call.secrets ?? [])})`);
    }
    const json = parseJson(text);
    if (response.status === 404 && call.allowNotFound) return undefined;
    if (!response.ok) throw this.#failure(response, json, call);
    const parsed = call.schema.safeParse(json);
    if (!parsed.success) {
      throw new DestinationError(
        `unexpected answer from Vercel to ${call.what} (HTTP ${response.status}): ${parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
          .join("; ")}`,
      );
    }
    return parsed.data;
  }

  #failure(response: Response, json: unknown, call: VercelCall<unknown>): RotatorError {
    const { project, teamId, clock } = this.#options;
    const envelope = errorEnvelopeSchema.safeParse(json);
    const code = envelope.success ? envelope.data.error.code : "unknown";
    const serverText = envelope.success ? redact(envelope.data.error.message, call.secrets ?? []).slice(0, 200) : "";
    const detail = `HTTP ${response.status} ${code}${serverText ? `: ${serverText}` : ""}`;
    const status = response.status;
    const team = teamId ? ` in team "${teamId}"` : "";
    if (status === 401 || (status === 403 && envelope.success && envelope.data.error.invalidToken)) {
      return new AuthenticationError(
        `Vercel rejected the token to ${call.what} (${detail}): check \`token\` (a valid Vercel access token, e.g. "\${VERCEL_TOKEN}")`,
      );
    }
    if (status === 403) {
      const teamHint = teamId
        ? `the token must belong to a member of team \`teamId\` "${teamId}" with access to project "${project}"`
        : `if project "${project}" belongs to a team, set \`teamId\``;
      return new AccessDeniedError(`Vercel denied access to ${call.what} (${detail}): check \`token\`: ${teamHint}`, {
        permission: "project environment variables and deployments",
      });
    }
    if (status === 404) {
      return new NotFoundError(
        `Vercel found nothing to ${call.what}${team} (${detail}): check \`project\` (id or name) and \`teamId\``,
      );
    }
    if (status === 429) {
      return new ThrottledError(`Vercel rate-limited ${call.what} (${detail})`, {
        retryAfterMs: retryAfterMs(response.headers, json, clock.now()),
      });
    }
    if (status >= 500) return new TransientError(`Vercel failed to ${call.what} (${detail})`);
    return new DestinationError(`Vercel refused to ${call.what} (${detail})`);
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `/v10/projects/{p}/env` with the project encoded. */
export function projectPath(version: string, project: string, rest = ""): string {
  return `/${version}/projects/${encodeURIComponent(project)}/env${rest}`;
}
