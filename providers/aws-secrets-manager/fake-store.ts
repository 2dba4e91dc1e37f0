// State and operation semantics of the fake Secrets Manager (see fake.ts): secrets, their versions and
// staging labels, moved the way the service moves them. Each operation takes the decoded awsJson1_1
// input and returns the output, or throws a FakeAwsError the server turns into an error body.
import { randomBytes, randomUUID } from "node:crypto";

export const AWSCURRENT = "AWSCURRENT";
export const AWSPREVIOUS = "AWSPREVIOUS";

export class FakeAwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface FakeVersion {
  versionId: string;
  secretString: string | undefined;
  /** Base64, as on the wire. */
  secretBinary: string | undefined;
  stages: Set<string>;
  createdDate: Date;
}

export interface FakeSecret {
  arn: string;
  name: string;
  description: string | undefined;
  kmsKeyId: string | undefined;
  createdDate: Date;
  lastChangedDate: Date;
  deletedDate: Date | undefined;
  /** In creation order. */
  versions: FakeVersion[];
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const seconds = (date: Date) => date.getTime() / 1000;

function str(input: Input, member: string, required = false): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    if (required) throw new FakeAwsError("InvalidParameterException", `${member} is required`);
    return undefined;
  }
  if (typeof value !== "string") throw new FakeAwsError("InvalidParameterException", `${member} must be a string`);
  return value;
}

function checkToken(token: string | undefined): string {
  if (token === undefined) return randomUUID();
  if (token.length < 32 || token.length > 64) {
    throw new FakeAwsError("InvalidParameterException", "ClientRequestToken must be 32 to 64 characters long");
  }
  return token;
}

/** SecretString xor SecretBinary; the value itself never goes into a message. */
function secretData(input: Input, required: boolean) {
  const secretString = str(input, "SecretString");
  const secretBinary = str(input, "SecretBinary");
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new FakeAwsError("InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (secretString === "") throw new FakeAwsError("InvalidParameterException", "SecretString must not be empty");
  if (required && secretString === undefined && secretBinary === undefined) {
    throw new FakeAwsError("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
  }
  return { secretString, secretBinary };
}

export class FakeSecretsStore {
  readonly secrets = new Map<string, FakeSecret>();

  constructor(
    private readonly region: string,
    private readonly account: string,
    private readonly now: () => Date,
  ) {}

  find(secretId: string): FakeSecret | undefined {
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    for (const secret of this.secrets.values()) if (secret.arn === secretId) return secret;
    return undefined;
  }

  /** The secret, existing and not scheduled for deletion. */
  get(input: Input, { allowDeleted = false } = {}): FakeSecret {
    const secret = this.find(str(input, "SecretId", true)!);
    if (!secret) throw new FakeAwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    if (secret.deletedDate && !allowDeleted) {
      throw new FakeAwsError(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  create(name: string, data: { secretString?: string; secretBinary?: string }, token: string, extra: Input = {}): FakeSecret {
    if (!NAME.test(name)) throw new FakeAwsError("InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
    if (this.secrets.has(name)) {
      throw new FakeAwsError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    }
    const suffix = randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 6);
    const now = this.now();
    const secret: FakeSecret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`,
      name,
      description: typeof extra.Description === "string" ? extra.Description : undefined,
      kmsKeyId: typeof extra.KmsKeyId === "string" ? extra.KmsKeyId : undefined,
      createdDate: now,
      lastChangedDate: now,
      deletedDate: undefined,
      versions: [],
    };
    this.secrets.set(name, secret);
    if (data.secretString !== undefined || data.secretBinary !== undefined) this.addVersion(secret, token, data, [AWSCURRENT]);
    return secret;
  }

  /** A new version carrying `stages`, each label moved off the version that had it, as the service does. */
  addVersion(secret: FakeSecret, versionId: string, data: { secretString?: string; secretBinary?: string }, stages: string[]): FakeVersion {
    const version: FakeVersion = {
      versionId,
      secretString: data.secretString,
      secretBinary: data.secretBinary,
      stages: new Set(),
      createdDate: this.now(),
    };
    // The first version of a secret always becomes AWSCURRENT.
    const labels = secret.versions.length === 0 && !stages.includes(AWSCURRENT) ? [...stages, AWSCURRENT] : stages;
    secret.versions.push(version);
    for (const stage of labels) this.attach(secret, stage, version);
    secret.lastChangedDate = this.now();
    return version;
  }

  holder(secret: FakeSecret, stage: string): FakeVersion | undefined {
    return secret.versions.find((version) => version.stages.has(stage));
  }

  /** Attaches `stage` to `target`; moving AWSCURRENT also moves AWSPREVIOUS to the version it left. */
  attach(secret: FakeSecret, stage: string, target: FakeVersion): void {
    const from = this.holder(secret, stage);
    if (from === target) return;
    from?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === AWSCURRENT && from) {
      this.holder(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
      from.stages.add(AWSPREVIOUS);
    }
  }

  // --- operations ---------------------------------------------------------------------------------

  GetSecretValue(input: Input): Output {
    const secret = this.get(input);
    const versionId = str(input, "VersionId");
    const stage = str(input, "VersionStage") ?? (versionId === undefined ? AWSCURRENT : undefined);
    const version = secret.versions.find(
      (v) => (versionId === undefined || v.versionId === versionId) && (stage === undefined || v.stages.has(stage)),
    );
    if (!version) {
      const what = versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage}`;
      throw new FakeAwsError("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for ${what}`);
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
      VersionStages: [...version.stages],
      CreatedDate: seconds(version.createdDate),
    };
  }

  PutSecretValue(input: Input): Output {
    const secret = this.get(input);
    const token = checkToken(str(input, "ClientRequestToken"));
    const data = secretData(input, true);
    const stages = (input.VersionStages as string[] | undefined) ?? [AWSCURRENT];
    if (!Array.isArray(stages) || stages.length === 0 || stages.length > 20) {
      throw new FakeAwsError("InvalidParameterException", "VersionStages must list 1 to 20 staging labels");
    }
    const existing = secret.versions.find((version) => version.versionId === token);
    if (existing) {
      if (existing.secretString !== data.secretString || existing.secretBinary !== data.secretBinary) {
        throw new FakeAwsError("ResourceExistsException", "You can't modify an existing version, you can only create new versions.");
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: existing.versionId, VersionStages: [...existing.stages] };
    }
    const version = this.addVersion(secret, token, data, stages);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
  }

  CreateSecret(input: Input): Output {
    const name = str(input, "Name", true)!;
    const token = checkToken(str(input, "ClientRequestToken"));
    const data = secretData(input, false);
    const secret = this.create(name, data, token, input);
    const version = secret.versions[0];
    return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
  }

  DescribeSecret(input: Input): Output {
    const secret = this.get(input, { allowDeleted: true });
    const labelled = secret.versions.filter((version) => version.stages.size > 0);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
      RotationEnabled: false,
      LastChangedDate: seconds(secret.lastChangedDate),
      ...(secret.deletedDate ? { DeletedDate: seconds(secret.deletedDate) } : {}),
      VersionIdsToStages: Object.fromEntries(labelled.map((version) => [version.versionId, [...version.stages]])),
      CreatedDate: seconds(secret.createdDate),
    };
  }

  ListSecretVersionIds(input: Input): Output {
    const secret = this.get(input, { allowDeleted: true });
    const max = typeof input.MaxResults === "number" ? input.MaxResults : 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new FakeAwsError("InvalidParameterException", "MaxResults must be between 1 and 100");
    }
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0) throw new FakeAwsError("InvalidNextTokenException", "The NextToken value is invalid.");
    const all = secret.versions.filter((version) => input.IncludeDeprecated === true || version.stages.size > 0);
    const page = all.slice(start, start + max);
    return {
      Versions: page.map((version) => ({
        VersionId: version.versionId,
        ...(version.stages.size > 0 ? { VersionStages: [...version.stages] } : {}),
        CreatedDate: seconds(version.createdDate),
      })),
      ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
      ARN: secret.arn,
      Name: secret.name,
    };
  }

  UpdateSecretVersionStage(input: Input): Output {
    const secret = this.get(input);
    const stage = str(input, "VersionStage", true)!;
    const moveTo = str(input, "MoveToVersionId");
    const removeFrom = str(input, "RemoveFromVersionId");
    const version = (id: string, member: string) => {
      const found = secret.versions.find((v) => v.versionId === id);
      if (!found) throw new FakeAwsError("InvalidParameterException", `The ${member} ${id} doesn't match any version of the secret.`);
      return found;
    };
    const current = this.holder(secret, stage);
    if (moveTo === undefined) {
      if (removeFrom === undefined) throw new FakeAwsError("InvalidParameterException", "Specify MoveToVersionId, RemoveFromVersionId or both.");
      if (stage === AWSCURRENT) {
        throw new FakeAwsError("InvalidParameterException", "You can't remove AWSCURRENT from a version without moving it to another version.");
      }
      const from = version(removeFrom, "RemoveFromVersionId");
      if (!from.stages.has(stage)) {
        throw new FakeAwsError("InvalidParameterException", `The staging label ${stage} isn't attached to version ${removeFrom}.`);
      }
      from.stages.delete(stage);
    } else {
      const target = version(moveTo, "MoveToVersionId");
      if (current && current !== target && current.versionId !== removeFrom) {
        throw new FakeAwsError(
          "InvalidParameterException",
          `The staging label ${stage} is currently attached to version ${current.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.attach(secret, stage, target);
    }
    secret.lastChangedDate = this.now();
    return { ARN: secret.arn, Name: secret.name };
  }
}
