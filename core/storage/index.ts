import path from 'node:path';
import type { Config } from '../config.js';
import { LocalObjectStore } from './local.object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3.object-store.js';

/** The embedded store: `${DATA_DIR}/objects/<bucket>/<key>`. */
export function localObjectStore(config: Config): LocalObjectStore {
  return new LocalObjectStore(path.join(config.dataDir, 'objects'), config.s3.buckets);
}

/** S3 (MinIO) when S3_ENDPOINT is set, else the directory under DATA_DIR; the same contract either way. */
export function createObjectStore(config: Config): ObjectStore {
  return config.engines.objects === 's3' ? new S3ObjectStore(config.s3) : localObjectStore(config);
}
