// Checks shared by the invariant, crash and simulation suites.
import { expect } from "vitest";
import type { FakeMga } from "../../providers/mga/fake.js";

/** Invariant 3: every key the rotator created is revoked, or is the one the destinations hold. */
export async function assertNoOrphans(world: { mga: FakeMga; envValues(): Promise<Array<string | undefined>> }): Promise<void> {
  const held = new Set((await world.envValues()).filter((v): v is string => v !== undefined).map((v) => v.slice(0, 12)));
  const live = world.mga.keys().filter((k) => k.name.includes(" · rot-") && !k.revokedAt);
  expect(live.filter((k) => !held.has(k.prefix)).map((k) => k.name)).toEqual([]);
}

/** Invariant 6: no secret appears in any of the captured texts. */
export function assertNoSecretIn(secrets: string[], texts: Record<string, string>): void {
  const leaks: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${where} holds ${secret.slice(0, 12)}…`);
  }
  expect(leaks).toEqual([]);
}
