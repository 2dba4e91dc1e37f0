// Tests reach nothing beyond 127.0.0.1: any socket to another host fails the call at once, loudly.
import net from "node:net";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1"]);

type ConnectArgs = Parameters<net.Socket["connect"]>;
const originalConnect = net.Socket.prototype.connect as (...args: ConnectArgs) => net.Socket;

function targetHost(args: unknown[]): string | undefined {
  const first = args[0];
  if (Array.isArray(first)) return targetHost(first);
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path !== undefined) return undefined; // a unix socket
    return options.host ?? "localhost";
  }
  if (typeof first === "number") return typeof args[1] === "string" ? args[1] : "localhost";
  return undefined; // a unix socket path
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = targetHost(args);
  if (host !== undefined && !LOOPBACK.has(host) && !host.startsWith("127.")) {
    throw new Error(`test tried to reach ${host}: tests may only connect to 127.0.0.1`);
  }
  return originalConnect.apply(this, args as ConnectArgs);
} as net.Socket["connect"];
