// The leak scanner itself can fail: a planted value is found wherever it hides.
import { describe, expect, it } from "vitest";
import { SecretValue } from "../../src/core/secret.js";
import { assertNoSecretIn } from "../support/invariants.js";
import { captureLog } from "../support/recording.js";

describe("leak scanner", () => {
  it("fails on a value in any text", () => {
    const secret = "mga_sk_plantedvalue0123456789abcdefghijklmnopq";

    expect(() => assertNoSecretIn([secret], { state: `{"x":"${secret}"}` })).toThrow();
    expect(() => assertNoSecretIn([secret], { state: "{}" })).not.toThrow();
  });

  it("finds nothing when a SecretValue is logged, serialised or printed", () => {
    const raw = "mga_sk_plantedvalue0123456789abcdefghijklmnopq";
    const secret = new SecretValue(raw);
    const logs = captureLog();

    logs.log.info({ secret, nested: { secret } }, `value ${secret}`);

    assertNoSecretIn([raw], { logs: logs.lines.join("\n"), json: JSON.stringify({ secret }), text: String(secret) });
    expect(logs.lines.join("\n")).toContain(secret.fingerprint.slice(0, 12));
  });
});
