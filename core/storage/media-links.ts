import type { ObjectRef } from '../domain/storage-layout.js';

/** Where the web process finds a recording's bytes when it serves them itself. */
export interface LocalFiles {
  pathOf(ref: ObjectRef): string;
}

/**
 * How a browser reaches a session's recording, whatever the object store: the page asks this port and never
 * the engine (docs/architecture.md#status-page-links, docs/architecture.md#ports-and-engines).
 */
export interface MediaLinks {
  /** The address the status page's player streams the recording from, with range requests. */
  recording(sessionId: string, ref: ObjectRef): Promise<string>;
  /** Where `recording` links point, for the page's CSP `media-src` (beside 'self', where the subtitles come from). */
  readonly mediaSources: string;
  /** The files the web process must serve itself (the local store has no server of its own); null when the store serves them. */
  readonly servedByWeb: LocalFiles | null;
}
