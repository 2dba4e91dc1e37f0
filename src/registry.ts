// Every provider the config can name, by `type`. Adding a destination touches its folder and one
// line here; test/registry.test.ts fails when a provider folder is missing from this map.
import type { DestinationEntry } from "./core/provider.js";
import { dotenvConfigSchema } from "../providers/dotenv/schema.js";

export const destinationRegistry = {
  dotenv: {
    schema: dotenvConfigSchema,
    defaultId: (config) => `dotenv:${config.path}#${config.variable}`,
    load: () => import("../providers/dotenv/index.js"),
  } satisfies DestinationEntry<typeof dotenvConfigSchema>,
} as const;

export type DestinationType = keyof typeof destinationRegistry;
