// Notifier types: one line per type, from its config to a ready notifier. The mapped type makes a
// type in the config schema without an entry here a compile error.
import type { Notifier, NotifierContext } from "./notifier.js";
import type { NotifierConfig } from "./schema.js";
import { createWebhookNotifier } from "./webhook.js";

type NotifierFactories = {
  [T in NotifierConfig["type"]]: (config: Extract<NotifierConfig, { type: T }>, context: NotifierContext) => Notifier;
};

export const notifierRegistry: NotifierFactories = {
  webhook: createWebhookNotifier,
};

export function createNotifier(config: NotifierConfig, context: NotifierContext): Notifier {
  return notifierRegistry[config.type](config, context);
}
