// The .env file on disk: read it, and replace it atomically (temp file in the same directory, fsync,
// the original's mode and owner, rename over, fsync the directory), one read-modify-write at a time
// per file within this process, so two destinations writing two variables of one file in parallel
// both land. A temp file a killed writer left behind (it holds a key) is removed on the next write.
// File system errors become the project's errors; none of them carries file contents.
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { AccessDeniedError, DestinationError, RotatorError, TransientError } from "../../src/core/errors.js";
import { codeOf, removeAbandonedTemps, replaceFileAtomically, serializedBy } from "../../src/fs/atomic-file.js";

const NEW_FILE_MODE = 0o600;
const RETRYABLE_CODES = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR"]);

/** Maps a file system error to the project's errors; messages name the path, never contents. */
export function fileError(error: unknown, action: string, path: string): RotatorError {
  if (error instanceof RotatorError) return error;
  const code = codeOf(error) ?? "UNKNOWN";
  if (code === "EACCES" || code === "EPERM") {
    return new AccessDeniedError(
      `cannot ${action} .env file ${path}: permission denied (${code}). The key rotator needs read and ` +
        `write access to the file and write access to its directory ${dirname(path)}, because it ` +
        `replaces the file atomically by renaming a new file over it`,
      { cause: error, permission: "read/write file and directory" },
    );
  }
  if (RETRYABLE_CODES.has(code)) {
    return new TransientError(`cannot ${action} .env file ${path}: ${code}`, { cause: error });
  }
  const hints: Record<string, string> = {
    ENOENT: "its directory does not exist; create it first (the rotator creates only the file)",
    ENOTDIR: "a part of its path is not a directory",
    EISDIR: "the path is a directory",
    ENOSPC: "the disk is full",
    EROFS: "the file system is read-only",
  };
  return new DestinationError(`cannot ${action} .env file ${path}: ${hints[code] ?? code}`, { cause: error });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The file's text, or undefined when it does not exist. `strict`: refuse a file that is not valid
 * UTF-8, since rewriting it would change the bytes of other lines.
 */
export async function readEnvFile(path: string, strict = false): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw fileError(error, "read", path);
  }
  if (!strict) return bytes.toString("utf8");
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new DestinationError(`cannot rewrite .env file ${path}: it is not valid UTF-8`, { cause: error });
  }
}

/** Where a write lands: the target of a symlink (so the link survives), else the absolute path. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return resolve(path);
    throw fileError(error, "resolve", path);
  }
}

/**
 * Read-modify-write of one file: `change` gets the current text (undefined when missing) and returns
 * the new text, or undefined to leave the file alone. Nothing is written when the text is unchanged.
 */
export async function updateEnvFile(
  path: string,
  change: (current: string | undefined) => string | undefined,
): Promise<void> {
  const file = await resolveTarget(path);
  await serializedBy(file, async () => {
    const current = await readEnvFile(file, true);
    const next = change(current);
    if (next === undefined || next === current) return;
    let options: { mode: number; owner?: { uid: number; gid: number } } = { mode: NEW_FILE_MODE };
    if (current !== undefined) {
      const stats = await stat(file).catch((error: unknown) => {
        throw fileError(error, "read", path);
      });
      options = { mode: stats.mode & 0o7777, owner: { uid: stats.uid, gid: stats.gid } };
    }
    await removeAbandonedTemps(file);
    await replaceFileAtomically(file, next, options).catch((error: unknown) => {
      throw fileError(error, "write", path);
    });
  });
}
