// Counts destination failures for the daemon's metrics without touching the engine: each destination
// is wrapped so that an operation which throws (after the provider's own retries), or a confirm that
// reads back the wrong value, is reported with the key's and the destination's ids. Values pass
// through untouched and are never looked at.
import type { Destination } from "../core/destination.js";
import type { ManagedKey } from "../core/managed-key.js";

/** The destination calls that can fail; `describe` and the capabilities are data. */
export const DESTINATION_OPERATIONS = ["read", "write", "activate", "confirm", "restore", "staged", "previous", "retire"] as const;
export type DestinationOperation = (typeof DESTINATION_OPERATIONS)[number];

export type DestinationErrorSink = (keyId: string, destinationId: string, operation: DestinationOperation) => void;

function isOperation(property: string | symbol): property is DestinationOperation {
  return typeof property === "string" && (DESTINATION_OPERATIONS as readonly string[]).includes(property);
}

export function instrumentDestination(keyId: string, destination: Destination, onError: DestinationErrorSink): Destination {
  return new Proxy(destination, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (!isOperation(property) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          const result: unknown = await value.apply(target, args);
          if (property === "confirm" && result === "mismatch") onError(keyId, target.id, property);
          return result;
        } catch (error) {
          onError(keyId, target.id, property);
          throw error;
        }
      };
    },
  });
}

/** The same keys, each destination wrapped (optional methods stay absent where they were). */
export function instrumentKeys(keys: readonly ManagedKey[], onError: DestinationErrorSink): ManagedKey[] {
  return keys.map((key) => ({ ...key, destinations: key.destinations.map((d) => instrumentDestination(key.id, d, onError)) }));
}
