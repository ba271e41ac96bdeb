import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArtifactStore } from '../../../activities/ports';
import { AppError } from '../../domain/errors';
import { checkObjectKey, checkObjectPrefix } from './object-keys';

/** Where the bucket is and how to reach it. */
export interface S3ArtifactStoreOptions {
  /** An S3-compatible server's URL; without it, AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Without them, the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** `bucket` as the first path segment rather than a host name: what most self-hosted servers need. */
  forcePathStyle: boolean;
  /** Keys listed and deleted per request when purging; S3's limit, 1,000, unless smaller is asked for. */
  pageSize?: number;
  /** Put before every key in the bucket (`staging/`): the store then lives under that prefix alone, which
   * credentials restricted to it can reach. Keys and prefixes given to the store stay `tenants/…`. */
  keyPrefix?: string;
}

/** How a presigned download answers. */
export interface PresignGetOptions {
  expiresInSeconds: number;
  /** Sent back as `Content-Disposition: attachment; filename="<fileName>"`. */
  fileName: string;
  contentType: string;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** S3 deletes at most 1,000 keys per request, and lists at most 1,000 per page. */
const PAGE = 1000;
/** SigV4 presigned URLs live at most seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Artifact store on an S3-compatible bucket, with the same key layout as the filesystem store. Every object is
 * written with server-side encryption (SSE-S3, AES256) and a write the server does not confirm as encrypted is
 * removed and fails, so nothing lies in the bucket unencrypted. Downloads can go straight to the bucket through
 * short-lived presigned URLs. */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly pageSize: number;
  private readonly keyPrefix: string;

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
    this.pageSize = Math.min(Math.max(1, options.pageSize ?? PAGE), PAGE);
    this.keyPrefix = options.keyPrefix ?? '';
    if (this.keyPrefix && !/^[a-z0-9][a-z0-9-]*\/$/.test(this.keyPrefix)) {
      throw new Error(`key prefix "${this.keyPrefix}" must be lowercase letters, digits and hyphens ending in a slash`);
    }
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      // A copy: the SDK marks where credentials came from on the object itself, and the configuration's is frozen.
      credentials: options.credentials && { ...options.credentials },
      forcePathStyle: options.forcePathStyle,
      // Checksums only where S3 demands them (DeleteObjects): self-hosted servers vary in which of the newer
      // checksum headers they understand, and the artifact's own sha256 is checked on every download anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    checkObjectKey(key);
    const out = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyPrefix + key,
        Body: body,
        ContentType: contentType,
        ContentLength: body.length,
        ServerSideEncryption: 'AES256',
      }),
    );
    if (out.ServerSideEncryption !== 'AES256') {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }));
      throw new AppError(
        'internal',
        `the object store did not confirm server-side encryption of ${key} (answered ${String(out.ServerSideEncryption)}); the server must support SSE-S3 (AES256) for bucket ${this.bucket}`,
      );
    }
  }

  async get(key: string): Promise<Buffer> {
    checkObjectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }));
      if (!out.Body) throw new Error(`the object store answered GET ${key} without a body`);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) throw new AppError('artifact_missing', `no stored object at ${key}`, undefined, err);
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const checked = checkObjectPrefix(prefix);
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.keyPrefix + checked,
          MaxKeys: this.pageSize,
          ContinuationToken: token,
        }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length > 0) {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        const failed = out.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new Error(
            `the object store failed to delete ${failed.length} of ${keys.length} objects under ${checked}, e.g. ${first.Key}: ${first.Code} ${first.Message}`,
          );
        }
        deleted += keys.length;
      }
      // The token marks the last key listed, so deleting the page just listed does not disturb the next one.
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** A URL that fetches one object without credentials until it expires, answering with the given file name and
   * content type. Signing happens locally; no request is made. */
  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    checkObjectKey(key);
    if (!FILE_NAME.test(options.fileName)) throw new Error(`file name "${options.fileName}" is not allowed`);
    if (
      !Number.isInteger(options.expiresInSeconds) ||
      options.expiresInSeconds < 1 ||
      options.expiresInSeconds > MAX_PRESIGN_SECONDS
    ) {
      throw new Error(`a presigned URL must live 1 to ${MAX_PRESIGN_SECONDS} seconds, got ${options.expiresInSeconds}`);
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.keyPrefix + key,
      ResponseContentDisposition: `attachment; filename="${options.fileName}"`,
      ResponseContentType: options.contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a configuration fault, not a missing artifact.
  return e?.name === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}
