// The file state store's one JSON file: its shape, reading it (a missing file is empty state; a file
// we cannot parse is an error and is never overwritten) and replacing it atomically (temp file in the
// same directory, fsync, rename, fsync of the directory).
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { AccessDeniedError, RotatorError, TransientError } from "../core/errors.js";
import type { HistoryEntry, KeyRecord } from "../core/journal.js";
import { codeOf, replaceFileAtomically } from "../fs/atomic-file.js";

export const STATE_FORMAT_VERSION = 1;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const lockEntrySchema = z.object({
  ownerId: z.string(),
  host: z.string(),
  pid: z.number().int(),
  acquiredAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});

// Records and history are the engine's shapes (src/core/journal.ts): checked here only as far as the
// store relies on them, so a field added later does not make an older file unreadable.
const stateFileSchema = z.object({
  formatVersion: z.literal(STATE_FORMAT_VERSION),
  keys: z.record(
    z.string(),
    z.object({ version: z.number().int().positive(), record: z.custom<KeyRecord>(isObject, "expected an object") }),
  ),
  locks: z.record(z.string(), lockEntrySchema),
  history: z.array(z.custom<HistoryEntry>((v) => isObject(v) && typeof v.keyId === "string", "expected an entry with a keyId")),
});

export type StateFile = z.infer<typeof stateFileSchema>;
export type LockEntry = z.infer<typeof lockEntrySchema>;

export function emptyState(): StateFile {
  return { formatVersion: STATE_FORMAT_VERSION, keys: {}, locks: {}, history: [] };
}

/** File system errors on the state file, mapped once; messages name the path and what to do. */
export function stateFileError(error: unknown, action: string, path: string): RotatorError {
  if (error instanceof RotatorError) return error;
  const code = codeOf(error) ?? "UNKNOWN";
  if (code === "EACCES" || code === "EPERM") {
    return new AccessDeniedError(
      `cannot ${action} state file ${path}: permission denied. The key rotator needs read and write ` +
        `access to the file and to its directory ${dirname(path)} (it writes a temporary file there and renames it)`,
      { cause: error, permission: "read/write state file and directory" },
    );
  }
  if (["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR"].includes(code)) {
    return new TransientError(`cannot ${action} state file ${path}: ${code}`, { cause: error });
  }
  return new RotatorError("STATE_UNAVAILABLE", `cannot ${action} state file ${path}: ${code}`, { cause: error });
}

function corrupt(path: string, problem: string, cause?: unknown): RotatorError {
  return new RotatorError(
    "STATE_CORRUPT",
    `state file ${path} ${problem}. It was left untouched. Restore it from a backup; or, to start from ` +
      `empty state, move it aside (rotations in flight are then forgotten: check the issuer for keys ` +
      `named "<key name> · <rotation id>" that are neither active nor revoked)`,
    cause === undefined ? {} : { cause },
  );
}

/** Parses the file's text; throws STATE_CORRUPT with the reason, never guesses. */
export function parseState(text: string, path: string): StateFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `is not valid JSON (${(error as Error).message})`, error);
  }
  const formatVersion = isObject(json) ? json.formatVersion : undefined;
  if (typeof formatVersion === "number" && formatVersion > STATE_FORMAT_VERSION) {
    throw new RotatorError(
      "STATE_TOO_NEW",
      `state file ${path} has format ${formatVersion}, written by a newer key-rotator; this one reads ` +
        `format ${STATE_FORMAT_VERSION}. Upgrade the key-rotator that reads it`,
    );
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(top level)";
    throw corrupt(path, `is not a key-rotator state file (${where}: ${issue?.message ?? "invalid"})`);
  }
  return parsed.data;
}

/** The state in the file; empty state when the file does not exist. */
export async function readState(path: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return emptyState();
    throw stateFileError(error, "read", path);
  }
  return parseState(text, path);
}

/** Creates the state directory (0700) when missing; the lock file lives there too. */
export async function ensureStateDirectory(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw stateFileError(error, "create the directory of", path);
  }
}

/** Replaces the file atomically; a new file gets mode 0600, an existing one keeps its mode. */
export async function writeState(path: string, state: StateFile): Promise<void> {
  try {
    const mode = await stat(path).then(
      (stats) => stats.mode & 0o777,
      (error: unknown) => {
        if (codeOf(error) === "ENOENT") return 0o600;
        throw error;
      },
    );
    await replaceFileAtomically(path, `${JSON.stringify(state, null, 2)}\n`, { mode });
  } catch (error) {
    throw stateFileError(error, "write", path);
  }
}
