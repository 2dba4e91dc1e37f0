// What the engine needs from the outside, injected by the entry points (cli, daemon, lambda) and by
// tests: the issuer, the state store, time, logging, failpoints and an event sink.
import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { EventSink } from "./events.js";
import type { Failpoints } from "./failpoints.js";
import type { Issuer } from "./issuer.js";
import type { Sealer } from "./seal.js";
import type { LockOwner, StateStore } from "./state-store.js";

export interface EngineDeps {
  issuer: Issuer;
  store: StateStore;
  clock: Clock;
  log: Logger;
  failpoints: Failpoints;
  events: EventSink;
  owner: LockOwner;
  /** Lease of a per-key lock; renewed at a third of it while a rotation runs. */
  leaseMs: number;
  /** Seals old values into the journal so they survive the process (config `state.sealKey`). */
  sealer?: Sealer;
}

export interface RunOptions {
  /** Rotate now even if not due. */
  force?: boolean;
  /** A leaked key: rotate now, revoke right after verify, no grace. */
  emergency?: boolean;
}
