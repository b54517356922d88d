import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { Config } from '../../core/config.js';

export interface TestS3 {
  endpoint: string;
  directory: string;
  close(): Promise<void>;
}

/** An S3-protocol server on 127.0.0.1 (s3rver), on a free port, storing into a temporary directory. */
export async function startS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'wn-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Every object key a session has in the configured buckets, as `bucket/key`, sorted (straight from S3). */
export async function sessionObjects(s3: Config['s3'], sessionId: string): Promise<string[]> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const keys: string[] = [];
    for (const bucket of Object.values(s3.buckets)) {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${sessionId}/` }));
      keys.push(...(listed.Contents ?? []).map((o) => `${bucket}/${o.Key}`));
    }
    return keys.sort();
  } finally {
    client.destroy();
  }
}
