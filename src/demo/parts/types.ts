// What a sandbox part is: one destination type's fake (or file), seeded with the key in use, the
// config entry that points at it, and how a consumer reads the key back.
import type { Clock } from "../../core/clock.js";

export interface SandboxPart {
  type: string;
  /** Human label for the demo's output. */
  label: string;
  /** The destination's config entry. */
  destination: Record<string, unknown>;
  /** Environment the config entry reads (tokens). */
  env?: Record<string, string>;
  /** What a consumer of this destination reads now (the live deployment, for platforms). */
  consumerValue(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface SandboxPartInput {
  dir: string;
  currentKey: string;
  /**
   * Time of the fakes whose state moves with time (Vercel and Railway deployments): share the engine's
   * clock with them so a recording clock in tests drives the deployments exactly as the destination
   * sleeps. The stores keep real time (their version timestamps only need to increase). Default: real time.
   */
  clock?: Pick<Clock, "now">;
}

export type SandboxPartFactory = (input: SandboxPartInput) => Promise<SandboxPart>;

/** A part that also hands out its fake's control API (seed, read, inject faults), for tests. */
export type PartWith<Fake> = SandboxPart & { fake: Fake };
