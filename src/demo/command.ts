// `key-rotator demo`: start the sandbox, run a real rotation through the same code path as `run`,
// print each phase and its timing, then prove the outcome: every consumer reads the new key, the new
// key works at MGA, the old one does not. Exit 0 only if all of that holds.
import type { RotationEvent } from "../core/events.js";
import { fingerprintOf, shortFingerprint } from "../core/secret.js";
import { historyCommand, planCommand, runCommand } from "../cli/commands.js";
import { EXIT } from "../cli/context.js";
import { startSandbox, type Sandbox } from "./sandbox.js";

function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

function printEvent(event: RotationEvent): void {
  if (event.type === "phase") say(`  ${event.phase.padEnd(9)} ${String(event.ms).padStart(6)} ms`);
  else if (event.type === "revoked") say(`  revoked old key ${event.revokedKeyId}`);
  else if (event.type === "started") say(`  rotation ${event.rotationId} started (${event.reason})`);
}

async function check(sandbox: Sandbox): Promise<boolean> {
  const newest = sandbox.mga.keys().filter((k) => !k.revokedAt && k.name.startsWith("Production Server ·"));
  let ok = newest.length === 1;
  say(`\nChecks:`);
  say(`  ${sandbox.mga.isValid(sandbox.original.secret) ? "FAIL" : "ok  "} the old key ${sandbox.original.id} no longer works at MGA`);
  for (const part of sandbox.parts) {
    const value = await part.consumerValue();
    const fresh = value !== undefined && value !== sandbox.original.secret && sandbox.mga.isValid(value);
    ok &&= fresh;
    say(`  ${fresh ? "ok  " : "FAIL"} ${part.label}: ${value ? shortFingerprint(fingerprintOf(value)) : "no value"}, a working key`);
  }
  ok &&= !sandbox.mga.isValid(sandbox.original.secret);
  return ok;
}

export async function demoCommand(flags: { keep?: boolean; logLevel?: string }): Promise<number> {
  const sandbox = await startSandbox({ keep: Boolean(flags.keep) });
  const saved = { ...process.env };
  Object.assign(process.env, sandbox.env);
  const options = { config: sandbox.configPath, logLevel: flags.logLevel ?? "warn" };
  try {
    say(`key-rotator demo: a full rotation against local fakes`);
    say(`  sandbox:  ${sandbox.dir}`);
    say(`  MGA:      ${sandbox.mga.url} (fake), key in use ${sandbox.original.id}`);
    for (const part of sandbox.parts) say(`  consumer: ${part.label}`);
    say(`\nPlan (touches nothing):`);
    await planCommand(options);
    say(`\nRun:`);
    const code = await runCommand(options, { events: printEvent });
    const ok = code === EXIT.ok && (await check(sandbox));
    say(`\nHistory:`);
    await historyCommand(options);
    say(ok ? `\nDemo passed: no consumer was ever left without a working key.` : `\nDemo FAILED.`);
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    process.env = saved;
    if (flags.keep) say(`(sandbox kept in ${sandbox.dir}; its fakes are stopped)`);
    await sandbox.close();
  }
}
