import type { ObjectRef } from '../domain/storage-layout.js';
import type { MediaLinks } from './media-links.js';
import type { ObjectStore } from './object-store.js';

/** Long enough to watch a long meeting from a page left open. */
const LINK_SECONDS = 6 * 60 * 60;

/** Presigned GETs straight from S3: the browser streams the recording from the store (S3_PUBLIC_ENDPOINT). */
export class PresignedMediaLinks implements MediaLinks {
  readonly mediaSources: string;
  readonly servedByWeb = null;

  /** `signer` signs against `publicEndpoint`, the store's address as browsers reach it. */
  constructor(
    private readonly signer: ObjectStore,
    publicEndpoint: string,
  ) {
    this.mediaSources = new URL(publicEndpoint).origin;
  }

  recording(_sessionId: string, ref: ObjectRef): Promise<string> {
    return this.signer.presignGet(ref, LINK_SECONDS);
  }
}
