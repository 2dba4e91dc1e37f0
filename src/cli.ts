#!/usr/bin/env node
// The `key-rotator` command. Exit codes: 0 done or nothing due; 1 a rotation failed (rolled back or
// left to resume); 2 config or usage error; 3 another run holds the lock.
import { Command, CommanderError, Option } from "commander";
import { EXIT, ReportedConfigError } from "./cli/context.js";
import { historyCommand, planCommand, rollbackCommand, runCommand, statusCommand, validateCommand } from "./cli/commands.js";
import { scheduleCommand } from "./daemon/command.js";
import { demoCommand } from "./demo/command.js";
import { ConfigError, LockHeldError, RotatorError } from "./core/errors.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("key-rotator")
    .description("Rotates MyGPTAssistants (MGA) API keys with no downtime: create, deploy, verify, then revoke.")
    .option("-c, --config <file>", "config file (default: $KEY_ROTATOR_CONFIG, else config/key-rotator.yaml)")
    .addOption(new Option("--log-level <level>", "log level on stderr").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]))
    .exitOverride()
    .showHelpAfterError();
  const action =
    <T>(handler: (flags: T) => Promise<number>) =>
    async (_opts: unknown, command: Command) => {
      setExit(await handler({ ...program.opts(), ...command.opts() } as T));
    };

  program
    .command("run")
    .description("advance every key that is due or mid-rotation")
    .option("-k, --key <id>", "only this managed key (repeatable)", collect)
    .option("--force", "rotate now even if not due")
    .option("--emergency", "the key leaked: rotate now and revoke right after verify, no grace")
    .option("--json", "machine-readable output")
    .action(action(runCommand));
  program.command("status").description("where each key stands").option("--json", "machine-readable output").action(action(statusCommand));
  program.command("plan").description("what `run` would do now, touching nothing").option("--json", "machine-readable output").action(action(planCommand));
  program
    .command("history")
    .description("every rotation with its outcome")
    .option("-k, --key <id>", "only this managed key")
    .option("--json", "machine-readable output")
    .action(action(historyCommand));
  program
    .command("rollback")
    .description("abandon an in-flight rotation: restore the old value, revoke the new key")
    .requiredOption("-k, --key <id>", "the managed key")
    .option("--json", "machine-readable output")
    .action(action(rollbackCommand));
  program.command("validate").description("check the config only").option("--json", "machine-readable output").action(action(validateCommand));
  program
    .command("schedule")
    .description("daemon: tick on the config's schedule.cron (and once at start-up); optional /healthz and /metrics")
    .option("--port <n>", "serve /healthz and /metrics on this port (default: off)")
    .option("--host <address>", "address to serve on (default 0.0.0.0)")
    .option("--shutdown-timeout <duration>", "on SIGTERM/SIGINT, wait this long for the running tick", "30s")
    .option("--no-startup-tick", "wait for the first cron time instead of ticking at start-up")
    .action(action(scheduleCommand));
  program
    .command("demo")
    .description("a full rotation in a local sandbox of fake services, phase by phase")
    .option("--keep", "keep the sandbox directory afterwards")
    .action(action(demoCommand));
  return program;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof ReportedConfigError) {
      process.stderr.write(`${error.text}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`key-rotator: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof LockHeldError) {
      process.stderr.write(`key-rotator: ${error.message}\n`);
      return EXIT.locked;
    }
    if (error instanceof RotatorError && error.code === "USAGE") {
      process.stderr.write(`key-rotator: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`key-rotator: ${message}\n`);
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv);
