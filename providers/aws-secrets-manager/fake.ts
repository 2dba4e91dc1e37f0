/**
 * A protocol-level fake of AWS Secrets Manager on 127.0.0.1, for tests and the `key-rotator demo`
 * sandbox. The real `@aws-sdk/client-secrets-manager` talks to it through `endpoint`.
 *
 * What it models:
 * - awsJson1_1: `POST /` with `X-Amz-Target: secretsmanager.<Operation>` and
 *   `Content-Type: application/x-amz-json-1.1`; errors as status 400 (500 for InternalServiceError)
 *   with `{"__type", "message"}`. SigV4 signatures are not checked.
 * - GetSecretValue, PutSecretValue, CreateSecret, DescribeSecret, ListSecretVersionIds and
 *   UpdateSecretVersionStage, by name or full ARN: versions and staging labels moved as the service
 *   moves them (a moved AWSCURRENT leaves AWSPREVIOUS behind; a label given to a new version leaves
 *   its old one; the first version is always AWSCURRENT); ClientRequestToken idempotency (same token
 *   and value: ignored; same token, other value: ResourceExistsException).
 * - Faults by operation: AccessDeniedException (`deny`), any error type n times (`fault`: e.g.
 *   ThrottlingException, InternalServiceError), latency, hangs (answered never, until close()).
 *
 * Not modelled: SigV4 and IAM policies (only `deny`), KMS, partial ARNs, version garbage collection
 * and the version quota, DeleteSecret/RestoreSecret (see `scheduleDeletion`), rotation, replication,
 * tags, resource policies, and the service's rate quotas. Values never reach the request log; the
 * `onExchange` hook (tests only) sees whole bodies. It reads no file and imports no test package.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AWSCURRENT, FakeAwsError, FakeSecretsStore } from "./fake-store.js";

export const FAKE_OPERATIONS = [
  "GetSecretValue",
  "PutSecretValue",
  "CreateSecret",
  "DescribeSecret",
  "ListSecretVersionIds",
  "UpdateSecretVersionStage",
] as const;
export type FakeOperation = (typeof FAKE_OPERATIONS)[number];

export interface FakeFault {
  /** Answer with this error type (`ThrottlingException`, `InternalServiceError`, …). */
  error?: string;
  /** Status of the error; default 500 for InternalServiceError, else 400. */
  status?: number;
  message?: string;
  /** Never answer (until close()). */
  hang?: boolean;
  /** Wait this long (real time) first. */
  latencyMs?: number;
  /** How many requests it applies to; unlimited when absent. */
  times?: number;
}

export interface FakeRequestEntry {
  operation: string;
  secretId: string | undefined;
  /** ClientRequestToken / VersionId / VersionStage: identifiers, never values. */
  versionId: string | undefined;
  status: number | null;
  errorType: string | undefined;
}

export interface FakeExchange {
  operation: string;
  input: unknown;
  status: number;
  output: unknown;
}

export interface FakeVersionView {
  versionId: string;
  stages: string[];
  value: string | undefined;
  createdDate: Date;
}

export interface AwsSecretsManagerFakeOptions {
  region?: string;
  account?: string;
  port?: number;
  clock?: { now(): Date };
  /** Sees every request and response body, values included: for contract tests only. */
  onExchange?: (exchange: FakeExchange) => void;
}

export interface AwsSecretsManagerFake {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly endpoint: string;
  readonly requests: readonly FakeRequestEntry[];
  /** Puts a value in place as a new AWSCURRENT version (creating the secret); undefined deletes the secret. */
  seed(secretId: string, value: string | undefined): void;
  /** The AWSCURRENT SecretString, or undefined when there is none. */
  current(secretId: string): string | undefined;
  versions(secretId: string): FakeVersionView[];
  /** AccessDeniedException for an operation, or all of them; `allow()` lifts every denial. */
  deny(operation: FakeOperation | "all"): void;
  allow(): void;
  fault(operation: FakeOperation | "all", fault: FakeFault): void;
  clearFaults(): void;
  /** Marks the secret as scheduled for deletion: reads and writes then fail with InvalidRequestException. */
  scheduleDeletion(secretId: string): void;
  close(): Promise<void>;
}

interface ArmedFault extends FakeFault {
  operation: FakeOperation | "all";
}

const TARGET = /^secretsmanager\.(\w+)$/;

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startAwsSecretsManagerFake(options: AwsSecretsManagerFakeOptions = {}): Promise<AwsSecretsManagerFake> {
  const clock = options.clock ?? { now: () => new Date() };
  const account = options.account ?? "123456789012";
  const store = new FakeSecretsStore(options.region ?? "us-east-1", account, () => clock.now());
  const requests: FakeRequestEntry[] = [];
  const denied = new Set<FakeOperation | "all">();
  const faults: ArmedFault[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });

  function takeFault(operation: FakeOperation): FakeFault | undefined {
    const index = faults.findIndex((fault) => fault.operation === "all" || fault.operation === operation);
    const fault = faults[index];
    if (!fault) return undefined;
    if (fault.times !== undefined && --fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  async function handle(request: IncomingMessage, response: ServerResponse, entry: FakeRequestEntry): Promise<void> {
    const text = await readBody(request);
    const send = (status: number, body: unknown, input: unknown = undefined) => {
      entry.status = status;
      options.onExchange?.({ operation: entry.operation, input, status, output: body });
      reply(response, status, body);
    };
    const error = (type: string, message: string, status = type === "InternalServiceError" ? 500 : 400) => {
      entry.errorType = type;
      return { status, body: { __type: type, message } };
    };

    const operation = TARGET.exec(String(request.headers["x-amz-target"] ?? ""))?.[1];
    if (request.method !== "POST" || operation === undefined) {
      const e = error("UnknownOperationException", "expected POST / with X-Amz-Target: secretsmanager.<Operation>");
      return send(e.status, e.body);
    }
    entry.operation = operation;
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = text === "" ? {} : JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      const e = error("SerializationException", "the request body is not a JSON object");
      return send(e.status, e.body);
    }
    entry.secretId = typeof input.SecretId === "string" ? input.SecretId : typeof input.Name === "string" ? input.Name : undefined;
    const versionId = input.ClientRequestToken ?? input.MoveToVersionId ?? input.VersionId ?? input.VersionStage;
    entry.versionId = typeof versionId === "string" ? versionId : undefined;
    if (!(FAKE_OPERATIONS as readonly string[]).includes(operation)) {
      const e = error("UnknownOperationException", `the fake does not serve ${operation}`);
      return send(e.status, e.body, input);
    }
    const op = operation as FakeOperation;

    if (denied.has("all") || denied.has(op)) {
      const resource = entry.secretId ? store.find(entry.secretId)?.arn ?? entry.secretId : "*";
      const e = error(
        "AccessDeniedException",
        `User: arn:aws:iam::${account}:user/key-rotator is not authorized to perform: secretsmanager:${op} on resource: ${resource} because no identity-based policy allows the secretsmanager:${op} action`,
      );
      return send(e.status, e.body, input);
    }
    const fault = takeFault(op);
    if (fault?.hang) return; // never answered; close() destroys the socket
    if (fault?.latencyMs) await delay(fault.latencyMs);
    if (fault?.error) {
      const e = error(fault.error, fault.message ?? `injected ${fault.error}`, fault.status);
      return send(e.status, e.body, input);
    }

    try {
      send(200, store[op](input), input);
    } catch (caught) {
      if (!(caught instanceof FakeAwsError)) throw caught;
      const e = error(caught.type, caught.message, caught.status);
      send(e.status, e.body, input);
    }
  }

  const server = createServer((request, response) => {
    const entry: FakeRequestEntry = { operation: "", secretId: undefined, versionId: undefined, status: null, errorType: undefined };
    requests.push(entry);
    handle(request, response, entry).catch((caught: unknown) => {
      if (response.headersSent) return;
      entry.status = 500;
      entry.errorType = "InternalServiceError";
      reply(response, 500, { __type: "InternalServiceError", message: `fake failed: ${caught instanceof Error ? caught.name : "error"}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  const secretOf = (secretId: string) => store.find(secretId);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    seed(secretId, value) {
      const secret = secretOf(secretId);
      if (value === undefined) {
        if (secret) store.secrets.delete(secret.name);
        return;
      }
      const versionId = `seed-${randomUUID()}`;
      if (!secret) store.create(secretId, { secretString: value }, versionId);
      else store.addVersion(secret, versionId, { secretString: value }, [AWSCURRENT]);
    },
    current(secretId) {
      const secret = secretOf(secretId);
      return secret ? store.holder(secret, AWSCURRENT)?.secretString : undefined;
    },
    versions(secretId) {
      return (secretOf(secretId)?.versions ?? []).map((version) => ({
        versionId: version.versionId,
        stages: [...version.stages],
        value: version.secretString,
        createdDate: version.createdDate,
      }));
    },
    deny: (operation) => void denied.add(operation),
    allow: () => denied.clear(),
    fault: (operation, fault) => void faults.push({ ...fault, operation }),
    clearFaults: () => void faults.splice(0),
    scheduleDeletion(secretId) {
      const secret = secretOf(secretId);
      if (!secret) throw new Error(`fake Secrets Manager: no secret ${secretId}`);
      secret.deletedDate = clock.now();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
