// The MGA endpoints the issuer calls and the fake serves, in one table: HTTP method, which rate-limit
// window they count against (MGA: chat 100/min, data 1000/hour), and the permission they need.
// Paths are not here: they come from `issuer.paths` (an assumed contract, all overridable).
import type { Permission } from "../../src/core/issuer.js";
import type { MgaPaths } from "./schema.js";

export type MgaEndpoint = keyof MgaPaths;
export type RateClass = "chat" | "data";

export interface EndpointSpec {
  method: "GET" | "POST" | "DELETE";
  rateClass: RateClass;
  /** The least permission a key needs for this endpoint. */
  needs: Permission;
}

export const MGA_ENDPOINTS = {
  createKey: { method: "POST", rateClass: "data", needs: "admin" },
  listKeys: { method: "GET", rateClass: "data", needs: "admin" },
  revokeKey: { method: "DELETE", rateClass: "data", needs: "admin" },
  sendMessage: { method: "POST", rateClass: "chat", needs: "write" },
  listConversations: { method: "GET", rateClass: "chat", needs: "read" },
} as const satisfies Record<MgaEndpoint, EndpointSpec>;

export const MGA_ENDPOINT_NAMES = Object.keys(MGA_ENDPOINTS) as MgaEndpoint[];

const RANK: Record<Permission, number> = { read: 0, write: 1, admin: 2 };

/** Whether a key with `has` may call an endpoint needing `needs` (admin ⊃ write ⊃ read). */
export function permits(has: Permission, needs: Permission): boolean {
  return RANK[has] >= RANK[needs];
}

/** Fills `{id}` / `{botId}` in a path template, URL-encoding each value. */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path ${template} needs {${name}}`);
    return encodeURIComponent(value);
  });
}
