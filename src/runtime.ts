// The composition root shared by the CLI, the daemon and the Lambda: config in, engine dependencies
// out. Destination modules (and so their SDKs) are imported here only for types the config uses.
import type { Logger } from "pino";
import type { Config, DestinationConfig, KeyConfig } from "./config/schema.js";
import { parseDuration } from "./config/duration.js";
import { systemClock, type Clock } from "./core/clock.js";
import type { Destination } from "./core/destination.js";
import type { EngineDeps } from "./core/engine.js";
import type { EventSink } from "./core/events.js";
import { failpointsFromEnv, type Failpoints } from "./core/failpoints.js";
import { createSealer } from "./core/seal.js";
import type { ManagedKey } from "./core/managed-key.js";
import type { StateStore } from "./core/state-store.js";
import { newLockOwner } from "./core/tick.js";
import { openNotifications } from "./notify/index.js";
import { destinationRegistry } from "./registry.js";
import { createMgaIssuer } from "../providers/mga/index.js";
import { openFileStateStore } from "./state/file-store.js";

export interface RuntimeOptions {
  log: Logger;
  clock?: Clock;
  events?: EventSink;
  failpoints?: Failpoints;
}

export interface Runtime {
  deps: EngineDeps;
  keys: ManagedKey[];
  /** Waits (at most 10s) for the notifications still being sent; close() does it first. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function destinationIdOf(config: DestinationConfig): string {
  const entry = destinationRegistry[config.type as keyof typeof destinationRegistry];
  return config.id ?? entry.defaultId(config as never);
}

async function createDestinationFor(config: DestinationConfig, context: { clock: Clock; log: Logger }): Promise<Destination> {
  const entry = destinationRegistry[config.type as keyof typeof destinationRegistry];
  const module = await entry.load();
  const id = destinationIdOf(config);
  return module.createDestination({ ...config, id } as never, { ...context, log: context.log.child({ destination: id }) });
}

export async function managedKeysOf(config: Config, context: { clock: Clock; log: Logger }): Promise<ManagedKey[]> {
  const jitterMs = parseDuration(config.schedule.jitter);
  return Promise.all(
    config.keys.map(async (key: KeyConfig) => ({
      id: key.id,
      name: key.name,
      permission: key.permission,
      rotateEveryMs: key.rotateEveryDays * 86_400_000,
      revokeAfterMs: parseDuration(key.revokeAfter),
      revokeOnlyIfUnused: key.revokeOnlyIfUnused,
      jitterMs,
      ...(key.currentKeyId ? { currentKeyId: key.currentKeyId } : {}),
      verify: key.verify,
      destinations: await Promise.all(key.destinations.map((d) => createDestinationFor(d, context))),
    })),
  );
}

export async function openStateStore(config: Config["state"], clock: Clock): Promise<StateStore> {
  if (config.type === "dynamodb") {
    // Loaded only when configured: file store users never load the DynamoDB SDK.
    const { openDynamoDbStateStore } = await import("./state/dynamodb-store.js");
    const { table, region, endpoint, createTable } = config;
    return openDynamoDbStateStore({ table, region, endpoint, createTable, clock });
  }
  return openFileStateStore({ path: config.path, clock });
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const { log } = options;
  const store = await openStateStore(config.state, clock);
  const keys = await managedKeysOf(config, { clock, log });
  // Notifications queue and return at once: a slow or dead endpoint never holds up a rotation.
  const notifications = openNotifications(config.notify ?? [], { clock, log: log.child({ component: "notify" }) });
  const events = options.events;
  const deps: EngineDeps = {
    issuer: createMgaIssuer(config.issuer, { clock, log: log.child({ issuer: "mga" }) }),
    store,
    clock,
    log,
    failpoints: options.failpoints ?? failpointsFromEnv(process.env),
    events: events
      ? (event) => {
          notifications.events(event);
          events(event);
        }
      : notifications.events,
    owner: newLockOwner(),
    leaseMs: config.state.lockLeaseSeconds * 1000,
    ...(config.state.sealKey ? { sealer: createSealer(config.state.sealKey) } : {}),
  };
  return {
    deps,
    keys,
    flush: () => notifications.flush(),
    async close() {
      await notifications.flush();
      await store.close();
    },
  };
}
