/** Object keys (docs/architecture.md#storage-layout). Buckets come from configuration; keys are fixed here, in one place. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface Buckets {
  videos: string;
  transcripts: string;
}

export const storageLayout = (buckets: Buckets) => ({
  original: (sessionId: string, ext: string): ObjectRef => ({ bucket: buckets.videos, key: `${sessionId}/original.${ext}` }),
  transcript: (sessionId: string): ObjectRef => ({ bucket: buckets.transcripts, key: `${sessionId}/transcript.json` }),
  todos: (sessionId: string): ObjectRef => ({ bucket: buckets.transcripts, key: `${sessionId}/todos.json` }),
  summary: (sessionId: string): ObjectRef => ({ bucket: buckets.transcripts, key: `${sessionId}/summary.json` }),
  /** Version `n` of the notes once a later one replaced it (the current version stays at todos.json / summary.json). */
  versionTodos: (sessionId: string, n: number): ObjectRef => ({ bucket: buckets.transcripts, key: `${sessionId}/v${n}/todos.json` }),
  versionSummary: (sessionId: string, n: number): ObjectRef => ({ bucket: buckets.transcripts, key: `${sessionId}/v${n}/summary.json` }),
  /** Every prefix a session owns, for deletion. */
  prefixes: (sessionId: string): ObjectRef[] => [
    { bucket: buckets.videos, key: `${sessionId}/` },
    { bucket: buckets.transcripts, key: `${sessionId}/` },
  ],
});

export type StorageLayout = ReturnType<typeof storageLayout>;

/** `bucket/key`, the form stored in the sessions table's *_path columns. */
export const refPath = (ref: ObjectRef): string => `${ref.bucket}/${ref.key}`;

/** Inverse of refPath: the first path segment is the bucket. */
export function parseRefPath(path: string): ObjectRef {
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new Error(`not an object path: ${path}`);
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}
