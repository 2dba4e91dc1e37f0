// Destination ids, from the registry: the config's `id` when it gives one, else the registry's
// `defaultId` (type plus location, never a secret). The engine keys journals and tokens by it.
import type { DestinationEntry } from "../core/provider.js";
import { destinationRegistry } from "../registry.js";
import type { DestinationConfig } from "./schema.js";

const registry: Readonly<Record<string, DestinationEntry | undefined>> = destinationRegistry;

/** Every destination `type` the config accepts, in registry order. */
export function destinationTypes(): string[] {
  return Object.keys(registry);
}

/** The destination's id within its managed key: config `id`, else the registry's default. */
export function destinationId(destination: DestinationConfig): string {
  return destination.id ?? destinationLocation(destination);
}

/** Where the destination writes (the registry's default id), whatever `id` the config gives it. */
export function destinationLocation(destination: DestinationConfig): string {
  const entry = registry[destination.type];
  if (entry === undefined) throw new Error(`destination type "${destination.type}" is not registered`);
  return entry.defaultId(destination);
}
