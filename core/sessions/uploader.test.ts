import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { THIS_UPLOADER, uploaderIsGone } from './uploader.js';

/** A pid no process has: above the kernel's largest. */
const NO_SUCH_PID = 2 ** 22 + 1;

describe('whether an upload’s process is gone', () => {
  const host = hostname();

  it('is known only for this host: a dead pid, or this pid of an earlier process', () => {
    expect(uploaderIsGone(THIS_UPLOADER)).toBe(false);
    expect(uploaderIsGone(`${host}/${process.ppid}/earlier`)).toBe(false); // alive
    expect(uploaderIsGone(`${host}/${NO_SUCH_PID}/earlier`)).toBe(true);
    expect(uploaderIsGone(`${host}/${process.pid}/earlier`)).toBe(true); // a container restarted: pid 1 again
    expect(uploaderIsGone(`another-host/${NO_SUCH_PID}/earlier`)).toBe(false);
  });
});
