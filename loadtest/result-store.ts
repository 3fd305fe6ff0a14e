/**
 * Where workers leave their step results: an S3 bucket in AWS, a directory in local mode.
 * Both hold the same keys (`<runId>/<step>/<workerId>.json`), so the aggregator reads
 * either through this one interface.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface ResultStore {
  put(key: string, body: string): Promise<void>;
  get(key: string): Promise<string>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where results go, for messages. */
  readonly location: string;
}

export function localResultStore(directory: string): ResultStore {
  const listAll = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? listAll(join(dir, entry.name)) : [join(dir, entry.name)])));
    return nested.flat();
  };
  return {
    location: directory,
    async put(key, body) {
      const path = join(directory, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    },
    get: (key) => readFile(join(directory, key), 'utf8'),
    async list(prefix) {
      const keys = (await listAll(directory)).map((path) => relative(directory, path).split(sep).join('/'));
      return keys.filter((key) => key.startsWith(prefix)).sort();
    },
  };
}

/** Results in `bucket`; the bucket enforces its own encryption (SSE-KMS by default). */
export function s3ResultStore(client: S3Client, bucket: string): ResultStore {
  return {
    location: `s3://${bucket}`,
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    async get(key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return response.Body.transformToString();
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
