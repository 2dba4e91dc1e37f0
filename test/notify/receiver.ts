// A webhook receiver on 127.0.0.1 for the notify tests: records every request with its raw body and
// headers, and answers from a script (a status, a hang, a dropped connection, a slow answer), 204
// once the script runs out.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = number | "hang" | "drop" | { status: number; delayMs?: number; headers?: Record<string, string> };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
  /** The status answered; 0 for a dropped connection; null while unanswered (a hang). */
  status: number | null;
}

export interface Receiver {
  /** `http://127.0.0.1:<port><path>`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Bodies of the requests answered 2xx, parsed. */
  delivered(): Array<Record<string, unknown>>;
  /** Requests received but not answered yet. */
  pending(): number;
  /** Answers for the next requests, in order. */
  script(...answers: Answer[]): void;
  /** Resolves once `count` requests were answered 2xx. */
  waitForDelivered(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = "/hooks/rotator"): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const answers: Answer[] = [];
  const waiters: Array<() => void> = [];
  const isDelivered = (r: ReceivedRequest) => r.status !== null && r.status >= 200 && r.status < 300;
  const deliveredCount = () => requests.filter(isDelivered).length;
  const answer = (entry: ReceivedRequest, response: ServerResponse, status: number, headers: Record<string, string> = {}) => {
    entry.status = status;
    response.writeHead(status, headers).end();
    for (const wake of waiters.splice(0)) wake();
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry: ReceivedRequest = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        status: null,
      };
      requests.push(entry);
      const next = answers.shift() ?? 204;
      if (next === "hang") return;
      if (next === "drop") {
        entry.status = 0;
        return void request.socket.destroy();
      }
      if (typeof next === "number") return answer(entry, response, next);
      setTimeout(() => answer(entry, response, next.status, next.headers), next.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    delivered: () => requests.filter(isDelivered).map((r) => JSON.parse(r.body) as Record<string, unknown>),
    pending: () => requests.filter((r) => r.status === null).length,
    script: (...next) => void answers.push(...next),
    async waitForDelivered(count) {
      while (deliveredCount() < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL where nothing listens: connections are refused. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/rotator`;
}
