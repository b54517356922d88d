import { required, type Config } from '../config.js';
import { statusPageUrl } from '../links.js';
import type { LocalFiles, MediaLinks } from './media-links.js';

/**
 * The local store has no server of its own: the web process serves its recordings at
 * `{status page}/media?t=TOKEN`, under PUBLIC_BASE_URL like the links posted in threads, behind the page's
 * own capability token (docs/architecture.md#status-page-links).
 */
export class LocalMediaLinks implements MediaLinks {
  /** PUBLIC_BASE_URL (the page adds 'self', in case it was reached another way). */
  readonly mediaSources: string;

  constructor(
    readonly servedByWeb: LocalFiles,
    private readonly web: Config['web'],
  ) {
    this.mediaSources = new URL(web.publicBaseUrl).origin;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async: a missing secret is a rejection, as callers of the port expect
  async recording(sessionId: string): Promise<string> {
    // Only the web asks, and it does not start without LINK_SECRET.
    const url = new URL(statusPageUrl(this.web.publicBaseUrl, sessionId, required(this.web.linkSecret, 'LINK_SECRET')));
    url.pathname += '/media';
    return url.href;
  }
}
