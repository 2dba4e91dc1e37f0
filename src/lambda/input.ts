// What a Lambda invocation asks for. EventBridge Scheduler passes its target `Input` as the event: an
// object, a JSON string, or nothing at all (a plain daily schedule). A classic EventBridge rule's
// "Scheduled Event" envelope is accepted too (its `detail` is the input). Anything else is refused
// with an error that names the field, before any side effect.
import { z } from "zod";
import { RotatorError } from "../core/errors.js";

export const lambdaInputSchema = z
  .object({
    keys: z
      .array(z.string().min(1, "expected a managed key id"))
      .min(1, "expected at least one managed key id; leave `keys` out to advance every key")
      .optional()
      .describe("Only these managed keys (default: every key in the config)"),
    force: z.boolean().optional().describe("Rotate now even if not due"),
    emergency: z.boolean().optional().describe("The key leaked: rotate now and revoke right after verify, no grace"),
    scheduledTime: z.string().optional().describe('For the logs: Scheduler\'s "<aws.scheduler.scheduled-time>"'),
    executionId: z.string().optional().describe('For the logs: Scheduler\'s "<aws.scheduler.execution-id>"'),
  })
  .strict();

export type LambdaInput = z.infer<typeof lambdaInputSchema>;

/** The invocation's input is not what the handler takes. Retrying cannot help. */
export class LambdaInputError extends RotatorError {
  override name = "LambdaInputError";
  constructor(problems: string[], options?: { cause?: unknown }) {
    super("INPUT_INVALID", `invalid Lambda input:\n  ${problems.join("\n  ")}`, options);
  }
}

const EXPECTED = 'expected {"keys"?: string[], "force"?: boolean, "emergency"?: boolean}';

/** The event as the handler's input; throws LambdaInputError. */
export function parseLambdaInput(event: unknown): LambdaInput {
  const data = unwrapEnvelope(decode(event));
  const result = lambdaInputSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw new LambdaInputError(
    result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "(input)";
      return `${path}: ${issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}; ${EXPECTED}` : issue.message}`;
    }),
  );
}

/** A JSON string event (Scheduler `Input` given as text) becomes its value; blank means no input. */
function decode(event: unknown): unknown {
  if (typeof event !== "string") return event;
  if (event.trim() === "") return undefined;
  try {
    return JSON.parse(event) as unknown;
  } catch (error) {
    throw new LambdaInputError([`(input): not JSON (${error instanceof Error ? error.message : String(error)}); ${EXPECTED}`], {
      cause: error,
    });
  }
}

/** `{ source: "aws.events", "detail-type": "Scheduled Event", detail }` (an EventBridge rule) → detail. */
function unwrapEnvelope(data: unknown): unknown {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  if (record["detail-type"] !== undefined && typeof record.source === "string" && record.source.startsWith("aws.")) return record.detail;
  return data;
}
