// The `dotenv` destination: one variable in one .env file on this machine. Consumers re-read the file
// (or are restarted by their own tooling), so there is nothing to activate; writing the same value
// twice changes nothing, so no idempotency token is needed.
//
// A variable assigned more than once: dotenv reads the last assignment, so that is the one read() and
// write() use; earlier ones are left untouched (they are shadowed) and a warning names their lines.
// restore() to "absent" removes every assignment of the variable, since there was none before.
import type { Confirmation, Destination, DestinationContext, DestinationValue } from "../../src/core/destination.js";
import { DestinationError } from "../../src/core/errors.js";
import type { ProviderContext } from "../../src/core/provider.js";
import { SecretValue, shortFingerprint } from "../../src/core/secret.js";
import { fileError, readEnvFile, updateEnvFile } from "./dotenv-file.js";
import { assignmentsOf, parseDotenv, removeVariable, setVariable, UnwritableValueError } from "./dotenv-format.js";
import type { DotenvConfig } from "./schema.js";

export type { DotenvConfig } from "./schema.js";

export function createDestination(config: DotenvConfig, context: ProviderContext): Destination {
  const { path, variable } = config;
  const id = config.id ?? `dotenv:${path}#${variable}`;
  const log = context.log.child({ destination: id });
  const label = `.env file ${path} (${variable})`;

  function set(current: string | undefined, value: SecretValue): string {
    const text = current ?? "";
    const assignments = assignmentsOf(parseDotenv(text), variable);
    if (assignments.length > 1) {
      const lines = assignments.map((assignment) => assignment.first + 1);
      log.warn({ path, variable, lines }, "variable is assigned more than once; updating the last assignment, the one dotenv reads");
    }
    try {
      return setVariable(text, variable, value.reveal());
    } catch (error) {
      if (error instanceof UnwritableValueError) {
        throw new DestinationError(`cannot write ${variable} to .env file ${path}: ${error.message}`);
      }
      throw error;
    }
  }

  async function read(): Promise<DestinationValue> {
    const text = await readEnvFile(path);
    const assignment = text === undefined ? undefined : assignmentsOf(parseDotenv(text), variable).at(-1);
    return assignment ? { kind: "value", value: new SecretValue(assignment.value) } : { kind: "absent" };
  }

  async function write(value: SecretValue): Promise<void> {
    try {
      await updateEnvFile(path, (current) => set(current, value));
    } catch (error) {
      throw fileError(error, "write", path);
    }
    log.debug({ path, variable, fingerprint: shortFingerprint(value.fingerprint) }, "wrote .env variable");
  }

  return {
    id,
    type: "dotenv",
    capabilities: { readable: true, versioned: false, needsRedeploy: false, idempotencyToken: false },
    describe: () => label,
    read,
    write: (value: SecretValue, _context: DestinationContext) => write(value),
    activate: async () => undefined,
    async confirm(fingerprint: string): Promise<Confirmation> {
      const current = await read();
      return current.kind === "value" && current.value.fingerprint === fingerprint ? "confirmed" : "mismatch";
    },
    async restore(previous: DestinationValue): Promise<void> {
      if (previous.kind === "value") return write(previous.value);
      if (previous.kind === "unreadable") {
        throw new DestinationError(`cannot restore ${label}: the previous value was not captured`);
      }
      try {
        await updateEnvFile(path, (current) => (current === undefined ? undefined : removeVariable(current, variable)));
      } catch (error) {
        throw fileError(error, "write", path);
      }
      log.debug({ path, variable }, "removed .env variable");
    },
  };
}
