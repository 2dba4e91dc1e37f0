// How providers plug in: each destination type contributes a zod config schema (loaded eagerly, it is
// small) and a module loaded with a dynamic import() only when a config uses that type, so a Lambda
// cold start never pays for SDKs its config does not name.
import type { Logger } from "pino";
import type { z } from "zod";
import type { Clock } from "./clock.js";
import type { Destination } from "./destination.js";

export interface ProviderContext {
  clock: Clock;
  log: Logger;
}

export interface DestinationModule<Config> {
  createDestination(config: Config, context: ProviderContext): Destination;
}

export interface DestinationEntry<Schema extends z.ZodType = z.ZodType> {
  /** Config of one destination of this type, including its `type` literal and optional `id`. */
  schema: Schema;
  /** Stable id when the config gives none: type plus location, no secrets. */
  defaultId(config: z.infer<Schema>): string;
  load(): Promise<DestinationModule<z.infer<Schema>>>;
}
