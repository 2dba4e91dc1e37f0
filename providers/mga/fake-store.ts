// State of the fake MGA server (see fake.ts): its keys, with their secrets, and the health-check
// conversations. Optionally persisted to a JSON file after every change (written to a temporary file
// and renamed, so a killed process leaves the previous or the next state, never half of one).
// The file holds key values: it is a sandbox file, never a real one.
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Permission } from "../../src/core/issuer.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LENGTH = 12;

export interface FakeKeyRecord {
  id: string;
  name: string;
  permission: Permission;
  secret: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** Chat calls still to be answered 401, modelling propagation of a brand-new key. */
  unauthorizedCallsLeft: number;
}

export interface FakeMessage {
  botId: string;
  conversationId: string;
  messageId: string;
  keyId: string;
  message: string;
  metadata: Record<string, unknown> | undefined;
  at: string;
}

interface PersistedState {
  version: 1;
  keys: FakeKeyRecord[];
  messages: FakeMessage[];
  minted: string[];
}

function base62(length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += BASE62[randomInt(BASE62.length)];
  return text;
}

export function randomId(prefix: string): string {
  return `${prefix}_${base62(16)}`;
}

/** Opaque page cursors: the offset into the key list, base64url-encoded. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

export function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown };
    return Number.isInteger(parsed.o) && (parsed.o as number) >= 0 ? (parsed.o as number) : undefined;
  } catch {
    return undefined;
  }
}

export class FakeMgaStore {
  readonly keys: FakeKeyRecord[] = [];
  readonly messages: FakeMessage[] = [];
  /** Every secret ever minted or seeded, revoked ones included: what leak scanners look for. */
  readonly minted: string[] = [];
  readonly #file: string | undefined;

  constructor(file?: string) {
    this.#file = file;
    if (file !== undefined && existsSync(file)) {
      const state = JSON.parse(readFileSync(file, "utf8")) as PersistedState;
      if (state.version !== 1) throw new Error(`fake MGA state file ${file}: unknown version`);
      this.keys.push(...state.keys);
      this.messages.push(...state.messages);
      this.minted.push(...state.minted);
    }
  }

  /** A fresh `mga_sk_` + 40 base62 secret whose 12-character prefix no other key has. */
  mintSecret(): string {
    for (;;) {
      const secret = `mga_sk_${base62(40)}`;
      if (!this.keys.some((key) => key.prefix === secret.slice(0, PREFIX_LENGTH))) return secret;
    }
  }

  add(input: {
    id?: string;
    name: string;
    permission: Permission;
    secret?: string;
    createdAt: string;
    unauthorizedCalls?: number;
  }): FakeKeyRecord {
    const id = input.id ?? randomId("key");
    if (this.keys.some((key) => key.id === id)) throw new Error(`fake MGA: key id ${id} exists`);
    const secret = input.secret ?? this.mintSecret();
    if (secret.length < PREFIX_LENGTH) throw new Error(`fake MGA: a secret needs ${PREFIX_LENGTH}+ characters`);
    const record: FakeKeyRecord = {
      id,
      name: input.name,
      permission: input.permission,
      secret,
      prefix: secret.slice(0, PREFIX_LENGTH),
      createdAt: input.createdAt,
      lastUsedAt: null,
      revokedAt: null,
      unauthorizedCallsLeft: input.unauthorizedCalls ?? 0,
    };
    this.keys.push(record);
    this.minted.push(secret);
    this.save();
    return record;
  }

  /** The key a bearer secret belongs to, revoked or not. */
  bySecret(secret: string): FakeKeyRecord | undefined {
    return this.keys.find((key) => key.secret === secret);
  }

  byId(id: string): FakeKeyRecord | undefined {
    return this.keys.find((key) => key.id === id);
  }

  conversationExists(botId: string, conversationId: string): boolean {
    return this.messages.some((m) => m.botId === botId && m.conversationId === conversationId);
  }

  conversations(botId: string): Array<{ id: string; createdAt: string; messageCount: number }> {
    const byId = new Map<string, { id: string; createdAt: string; messageCount: number }>();
    for (const m of this.messages.filter((message) => message.botId === botId)) {
      const entry = byId.get(m.conversationId) ?? { id: m.conversationId, createdAt: m.at, messageCount: 0 };
      entry.messageCount++;
      byId.set(m.conversationId, entry);
    }
    return [...byId.values()];
  }

  /** Writes the state file, if any. Called after every change. */
  save(): void {
    if (this.#file === undefined) return;
    const state: PersistedState = { version: 1, keys: this.keys, messages: this.messages, minted: this.minted };
    mkdirSync(dirname(this.#file), { recursive: true });
    const temporary = `${this.#file}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temporary, JSON.stringify(state, null, 2), { mode: 0o600 });
    renameSync(temporary, this.#file);
  }
}
