import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { processExists } from '../db/server-advert.js';

/**
 * Who stores a recording: `host/pid/instance`, recorded on the session when its upload starts. The random
 * instance tells this process apart from an earlier one that had the same pid (in a container, every start
 * is pid 1).
 */
export const THIS_UPLOADER = `${hostname()}/${process.pid}/${randomUUID()}`;

/**
 * Whether the process `uploader` names is known to be gone: it ran on this host and its pid is not alive,
 * or its pid is ours but it was an earlier process. On another host nothing can be told; the upload
 * timeout covers those.
 */
export function uploaderIsGone(uploader: string, self: string = THIS_UPLOADER): boolean {
  const [host, pid] = uploader.split('/');
  const [selfHost, selfPid] = self.split('/');
  if (uploader === self || host !== selfHost || pid === undefined || !/^\d+$/.test(pid)) return false;
  return pid === selfPid || !processExists(Number(pid));
}
