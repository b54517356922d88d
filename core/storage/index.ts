import path from 'node:path';
import type { Config } from '../config.js';
import { LocalMediaLinks } from './local.media-links.js';
import { LocalObjectStore } from './local.object-store.js';
import type { MediaLinks } from './media-links.js';
import type { ObjectStore } from './object-store.js';
import { PresignedMediaLinks } from './presigned.media-links.js';
import { S3ObjectStore } from './s3.object-store.js';

/**
 * S3 (MinIO) when S3_ENDPOINT is set, else the directory `${DATA_DIR}/objects/<bucket>/<key>`; the same
 * contract either way.
 */
export function createObjectStore(config: Config): ObjectStore {
  if (config.engines.objects === 's3') return new S3ObjectStore(config.s3);
  return new LocalObjectStore(path.join(config.dataDir, 'objects'), config.s3.buckets);
}

/** The browser's way to `store`'s recordings: served by the web process for the local store, presigned on S3. */
export function createMediaLinks(config: Config, store: ObjectStore): MediaLinks {
  if (store instanceof LocalObjectStore) return new LocalMediaLinks(store, config.web);
  const { s3 } = config;
  // Signed for the address browsers use, which may differ from the one inside the deployment's network.
  const signer = s3.publicEndpoint === s3.endpoint ? store : new S3ObjectStore({ ...s3, endpoint: s3.publicEndpoint });
  return new PresignedMediaLinks(signer, s3.publicEndpoint);
}
