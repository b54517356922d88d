/**
 * Messages between an InferenceHost and its child process (Node IPC, structured clone): the parent sends
 * tasks, the child answers each with progress and then a result or an error.
 */
export type HostRequest<T> = { type: 'run'; id: number; task: T };

export type HostReply<R, P> =
  | { type: 'progress'; id: number; progress: P }
  | { type: 'result'; id: number; result: R }
  | { type: 'error'; id: number; message: string };

/**
 * The child's side: runs each task with `handle`, one at a time (the parent sends one at a time), and
 * reports back. Called once by an engine's entry module.
 */
export function serveInference<T, R, P>(handle: (task: T, progress: (p: P) => void) => Promise<R>): void {
  const send = (reply: HostReply<R, P>) => process.send?.(reply);
  process.on('message', (message: HostRequest<T>) => {
    if (message.type !== 'run') return;
    const { id, task } = message;
    handle(task, (progress) => send({ type: 'progress', id, progress })).then(
      (result) => send({ type: 'result', id, result }),
      (err: unknown) => send({ type: 'error', id, message: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent going away (crash, SIGKILL) must not leave a model loaded in an orphan.
  process.on('disconnect', () => process.exit(0));
}
