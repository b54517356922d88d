import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Core } from '../core/app.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { isFinal } from '../core/domain/session.js';
import type { Logger } from '../core/logger.js';
import type { TodoEvent } from '../core/todos/todo-events.js';
import type { WebMetrics } from './metrics.js';
import { currentProgress } from './session-state.js';

export interface StreamRequest {
  sessionId: string;
  /** From the Last-Event-ID header: events up to this seq were seen before the reconnect. */
  lastEventId: number;
  /** Keep the stream open after COMPLETED (todo events) and FAILED (a retry) for the page; without it the stream closes at the final state. */
  followTodos: boolean;
}

export interface ProgressStreamsDeps {
  sessions: Pick<Core, 'sessionService' | 'bus' | 'feed' | 'todos'>;
  metrics: WebMetrics;
  /** Comment lines on idle streams, so proxies and browsers keep them open. */
  heartbeatMs: number;
  log: Logger;
}

type Item = { kind: 'progress'; event: ProgressEvent } | { kind: 'todo'; event: TodoEvent };

export const ROUTE = '/api/progress/:sessionId';

/** A viewer whose socket stops draining is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * `/api/progress/:id`: Server-Sent Events fed by the process's one subscriber connection. The state is read
 * only after the channels are subscribed and events are deduplicated by seq, so none is lost or repeated.
 */
export class ProgressStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly deps: ProgressStreamsDeps) {}

  /** Answers the request: 404 when the session is gone, 204 when a final state was already seen, else a stream. */
  async serve(reply: FastifyReply, { sessionId, lastEventId, followTodos }: StreamRequest, notFound: () => FastifyReply): Promise<void> {
    const { sessions, metrics, heartbeatMs, log } = this.deps;
    const buffered: Item[] = [];
    let deliver: (item: Item) => void = (item) => void buffered.push(item);
    const stops = [sessions.feed.subscribe(sessionId, (event) => deliver({ kind: 'progress', event }))];
    if (followTodos) stops.push(sessions.todos.feed.subscribe(sessionId, (event) => deliver({ kind: 'todo', event })));
    const unsubscribe = () => stops.forEach((stop) => stop());

    let current: ProgressEvent;
    try {
      await Promise.all(stops.map((s) => s.ready));
      const [session, latest] = await Promise.all([sessions.sessionService.get(sessionId), sessions.bus.latest(sessionId)]);
      if (!session) {
        unsubscribe();
        await notFound();
        return;
      }
      current = currentProgress(session, latest);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    // The page follows a finished session (ticks, edits, new notes) and a failed one (a retry may reopen it).
    const staysOpen = (e: ProgressEvent) => followTodos && (e.status === 'COMPLETED' || e.status === 'FAILED');
    if (isFinal(current.status) && !staysOpen(current) && current.seq <= lastEventId) {
      // Nothing left to say; 204 tells EventSource to stop reconnecting.
      unsubscribe();
      await reply.code(204).send();
      return;
    }

    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: pass events through as they come
    });
    metrics.viewerJoined(res);
    let lastSeq = lastEventId;
    let ended = false;
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      this.open.delete(end);
      metrics.viewerLeft();
      metrics.request('GET', ROUTE, 200);
      res.end();
    };
    const write = (chunk: string) => {
      if (ended) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        log.warn({ sessionId }, 'slow event-stream viewer dropped');
        res.destroy();
        end();
        return;
      }
      res.write(chunk);
    };
    const send = (item: Item) => {
      if (item.kind === 'todo') return write(`event: todo\ndata: ${JSON.stringify(item.event)}\n\n`);
      const event = item.event;
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      write(`id: ${event.seq}\nevent: progress\ndata: ${JSON.stringify(event)}\n\n`);
      if (isFinal(event.status) && !staysOpen(event)) end();
    };

    this.open.add(end);
    res.on('close', end);
    write('retry: 3000\n\n');
    send({ kind: 'progress', event: current });
    for (const item of buffered) send(item);
    deliver = send;
  }

  /** Ends every stream (shutdown): viewers reconnect to another replica with their Last-Event-ID. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
