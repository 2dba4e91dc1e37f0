// Deploy and verify: write the new value everywhere, then activate everywhere, then confirm
// everywhere (barriers between the steps, so one redeploy per platform project carries every
// change), then the health check. Each destination's progress is journaled after each step.
import type { Destination } from "./destination.js";
import { VerificationError } from "./errors.js";
import { PHASES } from "./journal.js";
import { contextFor, settleAll, timed, type RotationRun } from "./run.js";

const DONE_AFTER = {
  write: ["written", "activated", "confirmed"],
  activate: ["activated", "confirmed"],
  confirm: ["confirmed"],
} as const;

function remaining(run: RotationRun, step: keyof typeof DONE_AFTER): Destination[] {
  const journal = run.writer.rotation.destinations;
  return run.key.destinations.filter((d) => !(DONE_AFTER[step] as readonly string[]).includes(journal[d.id]?.status ?? ""));
}

export async function deployAll(run: RotationRun): Promise<void> {
  const secret = run.newSecret;
  if (!secret) throw new Error("deploy without the new key's value");
  const { rotationId } = run.writer.rotation;
  const { writer } = run;

  await timed(run, "deploy", async () => {
    await settleAll(
      remaining(run, "write").map(async (destination) => {
        await writer.commit("dest-writing", (r) => {
          r.rotation!.phase = PHASES.deploying;
          r.rotation!.destinations[destination.id]!.status = "writing";
        });
        await destination.write(secret, contextFor(rotationId, destination, "deploy"));
        await writer.commit("dest-written", (r) => {
          r.rotation!.destinations[destination.id]!.status = "written";
        });
      }),
    );
    await settleAll(
      remaining(run, "activate").map(async (destination) => {
        await destination.activate(contextFor(rotationId, destination, "deploy"));
        await writer.commit("dest-activated", (r) => {
          r.rotation!.destinations[destination.id]!.status = "activated";
        });
      }),
    );
    await settleAll(
      remaining(run, "confirm").map(async (destination) => {
        const confirmation = await destination.confirm(secret.fingerprint, contextFor(rotationId, destination, "deploy"));
        if (confirmation === "mismatch") {
          throw new VerificationError(`${destination.describe()} does not hold the new key after the write`);
        }
        await writer.commit("dest-confirmed", (r) => {
          r.rotation!.destinations[destination.id]!.status = "confirmed";
        });
      }),
    );
  });
  await writer.commit("deployed", (r) => {
    r.rotation!.phase = PHASES.deployed;
    r.rotation!.deployedAt = run.deps.clock.now().toISOString();
  });
}

export async function verifyNewKey(run: RotationRun, emergency: boolean): Promise<void> {
  const secret = run.newSecret;
  if (!secret) throw new Error("verify without the new key's value");
  const { key, deps } = run;
  await timed(run, "verify", () =>
    deps.issuer.healthCheck(secret, { botId: key.verify.botId, permission: key.permission, message: key.verify.message }),
  );
  const now = deps.clock.now();
  const graceMs = emergency ? 0 : key.revokeAfterMs;
  await run.writer.commit("verified", (r) => {
    r.rotation!.phase = PHASES.verified;
    r.rotation!.verifiedAt = now.toISOString();
    r.rotation!.revokeAt = new Date(now.getTime() + graceMs).toISOString();
  });
}
