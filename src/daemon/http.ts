// The daemon's HTTP face, node:http only: GET /healthz (200 or 503, JSON) for container and
// Kubernetes probes, GET /metrics (Prometheus text) for scrapes. Nothing else; nothing that writes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { RotatorError } from "../core/errors.js";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.js";

export interface HealthAnswer {
  healthy: boolean;
  body: Record<string, unknown>;
}

export interface HealthServerOptions {
  host: string;
  /** 0: any free port (tests); the bound one is in `port`. */
  port: number;
  log: Logger;
  health(): HealthAnswer;
  /** The exposition text, refreshed for this scrape. */
  metrics(): Promise<string>;
}

export interface HealthServer {
  readonly port: number;
  /** `http://host:port`, with 127.0.0.1 for a wildcard host. */
  readonly url: string;
  close(): Promise<void>;
}

const ROUTES = ["/healthz", "/metrics"] as const;

function send(response: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  response.writeHead(status, { "Content-Type": contentType, "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

async function answer(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const head = request.method === "HEAD";
  if (!(ROUTES as readonly string[]).includes(path)) {
    return send(response, 404, "application/json", JSON.stringify({ error: `no such path; try ${ROUTES.join(" or ")}` }), head);
  }
  if (request.method !== "GET" && !head) {
    response.setHeader("Allow", "GET, HEAD");
    return send(response, 405, "application/json", JSON.stringify({ error: "method not allowed" }), false);
  }
  if (path === "/healthz") {
    const { healthy, body } = options.health();
    return send(response, healthy ? 200 : 503, "application/json", JSON.stringify(body), head);
  }
  try {
    send(response, 200, EXPOSITION_CONTENT_TYPE, await options.metrics(), head);
  } catch (error) {
    options.log.error({ err: String(error) }, "could not render metrics");
    send(response, 500, "text/plain; charset=utf-8", "could not render metrics\n", head);
  }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    answer(options, request, response).catch((error: unknown) => {
      options.log.error({ err: String(error) }, "health server request failed");
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", "internal error\n", false);
      else response.destroy();
    });
  });
  // Probes and scrapes are tiny: a slow client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  let address: AddressInfo;
  try {
    address = await listen(server, options.host, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "UNKNOWN";
    throw new RotatorError("HTTP_LISTEN", `cannot serve /healthz and /metrics on ${options.host}:${options.port}: ${code}`, { cause: error });
  }
  const shownHost = ["0.0.0.0", "::", ""].includes(options.host) ? "127.0.0.1" : options.host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`;
  options.log.info({ host: options.host, port: address.port, url }, "serving /healthz and /metrics");
  return {
    port: address.port,
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of scrapers would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
