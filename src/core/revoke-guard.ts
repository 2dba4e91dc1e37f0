// The optional quiet-key guard (config `revokeOnlyIfUnused`): before revoking, ask the issuer when
// each old key was last used. A use after every destination switched means a consumer the config
// does not know still holds the old key, so the revoke waits, and says so. Once that consumer is
// fixed, a full grace period of quiet lets the revoke go ahead. `--emergency` skips the guard.
import type { RotationRun } from "./run.js";

/** One line per old key still in use, empty when every old key is quiet. */
export async function oldKeysStillInUse(run: RotationRun): Promise<string[]> {
  const rotation = run.writer.rotation;
  if (!run.key.revokeOnlyIfUnused || rotation.emergency || !rotation.deployedAt) return [];
  const now = run.deps.clock.now().getTime();
  const quietSince = Math.max(Date.parse(rotation.deployedAt), now - run.key.revokeAfterMs);
  const listed = new Map((await run.deps.issuer.list()).map((k) => [k.id, k]));
  const busy: string[] = [];
  for (const old of rotation.oldKeys) {
    const lastUsedAt = listed.get(old.id)?.lastUsedAt;
    if (!rotation.revoked.includes(old.id) && lastUsedAt && Date.parse(lastUsedAt) > quietSince) {
      busy.push(`old key ${old.id} (${old.prefix}…) was used at ${lastUsedAt}, after every destination switched at ${rotation.deployedAt}`);
    }
  }
  return busy;
}
