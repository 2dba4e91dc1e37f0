// What a notifier sends: one notification per rotation event worth telling a person about (the
// engine's tick reports "failed" and "overdue" too). Built from RotationEvent, so it carries only
// ids, reasons and timestamps: never a key's value.
import { randomUUID } from "node:crypto";
import type { RotationEvent } from "../core/events.js";

export const NOTIFICATION_TYPES = ["started", "succeeded", "failed", "rolled-back", "revoked", "awaiting-grace", "overdue"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What a notifier sends when its config names no `events`: everything but the routine grace wait. */
export const DEFAULT_NOTIFICATION_TYPES = NOTIFICATION_TYPES.filter((type) => type !== "awaiting-grace");

export interface Notification {
  /** Unique per notification and the same on every retry of it: receivers dedupe by it. */
  id: string;
  event: NotificationType;
  keyId: string;
  /** Null when no rotation started (a key that could not even begin one). */
  rotationId: string | null;
  /** When it happened (ISO 8601). */
  at: string;
  /** The event's own fields: reason, newKeyId, revokedKeyId, revokeAt, dueAt… */
  fields: Record<string, string>;
}

/** The JSON body a webhook receives. */
export type NotificationPayload = { id: string; event: NotificationType; keyId: string; rotationId: string | null; at: string; source: "key-rotator" } & Record<
  string,
  string | null
>;

export function isNotificationType(type: string): type is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(type);
}

export function newNotification(
  event: NotificationType,
  keyId: string,
  rotationId: string | null | undefined,
  at: Date,
  fields: Record<string, string | undefined>,
): Notification {
  const defined = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { id: randomUUID(), event, keyId, rotationId: rotationId || null, at: at.toISOString(), fields: defined };
}

/** The notification for an engine event; undefined for events nobody is told about (phases). */
export function notificationOf(event: RotationEvent, at: Date): Notification | undefined {
  if (!isNotificationType(event.type)) return undefined;
  const { type, keyId, rotationId, ...fields } = event;
  return newNotification(type as NotificationType, keyId, rotationId, at, fields as Record<string, string>);
}

const ENVELOPE = new Set(["id", "event", "keyId", "rotationId", "at", "source"]);

export function payloadOf(notification: Notification): NotificationPayload {
  const { id, event, keyId, rotationId, at, fields } = notification;
  // The envelope's names win over an event field of the same name.
  const own = Object.fromEntries(Object.entries(fields).filter(([name]) => !ENVELOPE.has(name)));
  return { id, event, keyId, rotationId, at, ...own, source: "key-rotator" };
}
