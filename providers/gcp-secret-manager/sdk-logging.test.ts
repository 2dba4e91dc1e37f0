// The SDK logs whole requests and responses, payload bytes included, when GOOGLE_SDK_NODE_LOGGING
// is set. The adapter turns that logging off (invariant 6). Its own file: the switch is process-wide.
import { afterEach, expect, it, vi } from "vitest";
import { SecretValue } from "../../src/core/secret.js";
import { setup, type Setup } from "./test-support.js";

let world: Setup | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  delete process.env.GOOGLE_SDK_NODE_LOGGING;
  vi.restoreAllMocks();
});

it("keeps key values out of stderr and the console even with GOOGLE_SDK_NODE_LOGGING=*", async () => {
  process.env.GOOGLE_SDK_NODE_LOGGING = "*";
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  // The SDK's Node backend prints with console.error.
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(" ")));
  world = await setup();
  const value = new SecretValue("mga_sk_logged_value_0123456789");

  await world.destination.write(value, { rotationId: "rot-log", token: "rot-log-token", round: "rot-log:deploy" });
  await world.destination.read();

  const output = written.join("");
  expect(output).not.toContain(value.reveal());
  expect(output).not.toContain(Buffer.from(value.reveal()).toString("base64"));
  expect(output).not.toContain([...Buffer.from(value.reveal())].join(","));
  expect(world.lines.join("\n")).toContain("GOOGLE_SDK_NODE_LOGGING is ignored");
});
