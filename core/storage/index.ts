import path from 'node:path';
import type { Config } from '../config.js';
import { LocalObjectStore } from './local.object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3.object-store.js';

/**
 * S3 (MinIO) when S3_ENDPOINT is set, else the directory `${DATA_DIR}/objects/<bucket>/<key>`; the same
 * contract either way.
 */
export function createObjectStore(config: Config): ObjectStore {
  if (config.engines.objects === 's3') return new S3ObjectStore(config.s3);
  return new LocalObjectStore(path.join(config.dataDir, 'objects'), config.s3.buckets);
}
