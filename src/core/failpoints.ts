// Deterministic crash points for tests: KEY_ROTATOR_FAILPOINT names one or more points
// (comma-separated), such as "after:created" or "before:dest-written". At a named point the process
// kills itself with SIGKILL (default) or throws, per KEY_ROTATOR_FAILPOINT_ACTION=crash|error.
// Every journal write is bracketed by "before:<label>" and "after:<label>".
import { FailpointError } from "./errors.js";

export interface Failpoints {
  hit(point: string): void;
}

export const noFailpoints: Failpoints = { hit: () => undefined };

export function failpointsFromEnv(env: NodeJS.ProcessEnv): Failpoints {
  const names = new Set((env.KEY_ROTATOR_FAILPOINT ?? "").split(",").map((name) => name.trim()).filter(Boolean));
  if (names.size === 0) return noFailpoints;
  const action = env.KEY_ROTATOR_FAILPOINT_ACTION === "error" ? "error" : "crash";
  return {
    hit(point) {
      if (!names.has(point)) return;
      if (action === "error") throw new FailpointError(point);
      process.kill(process.pid, "SIGKILL");
    },
  };
}
