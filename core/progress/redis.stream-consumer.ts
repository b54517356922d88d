import os from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { handleTaken, type EventStream } from './event-stream.js';

export interface StreamConsumerOptions<T> {
  redisUrl: string;
  stream: string;
  group: string;
  /** Unique per process; a restarted process with the same name picks up its own pending entries first. */
  consumer?: string;
  /** The entry's field that holds the JSON payload. */
  field: string;
  parse: (raw: string) => T | null;
  /** Entries another consumer took but has not acknowledged for this long are taken over (it died). */
  claimIdleMs?: number;
  blockMs?: number;
  batch?: number;
}

type Entry = [id: string, fields: string[]];

/**
 * Reads a Redis stream in a consumer group: every entry is handled by one consumer of the group, and only
 * acknowledged once the handler has finished, so a process that dies mid-way leaves it pending for itself
 * (on restart) or for another replica (after `claimIdleMs`). Unparseable entries are acknowledged and logged.
 */
export class RedisStreamConsumer<T> implements EventStream<T> {
  private readonly client: Redis;
  private readonly consumer: string;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly options: StreamConsumerOptions<T>,
    private readonly log: Logger,
  ) {
    this.consumer = options.consumer ?? `${os.hostname()}-${process.pid}`;
    // A blocking XREADGROUP holds its connection, so the consumer has its own.
    this.client = new Redis(options.redisUrl, { connectionName: `whisper-notes:${options.group}`, lazyConnect: true });
    this.client.on('error', (err: Error) => log.warn({ err }, 'stream consumer connection error'));
  }

  start(handler: (item: T) => Promise<void>): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run(handler);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.client.disconnect(); // interrupts the blocking read
    await this.loop?.catch(() => undefined);
  }

  private async run(handler: (item: T) => Promise<void>): Promise<void> {
    const { stream, group } = this.options;
    while (this.running) {
      try {
        if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
        await this.client.xgroup('CREATE', stream, group, '$', 'MKSTREAM').catch((err: Error) => {
          if (!err.message.includes('BUSYGROUP')) throw err;
        });
        await this.drain(handler, '0'); // our own pending entries, from before a restart
        while (this.running) {
          await this.claimAbandoned(handler);
          const read = (await this.client.xreadgroup(
            'GROUP', group, this.consumer,
            'COUNT', this.options.batch ?? 50,
            'BLOCK', this.options.blockMs ?? 2000,
            'STREAMS', stream, '>',
          )) as [string, Entry[]][] | null;
          for (const [, entries] of read ?? []) await this.handleAll(entries, handler);
        }
      } catch (err) {
        if (!this.running) return;
        this.log.warn({ err, stream }, 'stream consumer failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async drain(handler: (item: T) => Promise<void>, from: string): Promise<void> {
    let cursor = from;
    for (;;) {
      const read = (await this.client.xreadgroup(
        'GROUP', this.options.group, this.consumer, 'COUNT', 100, 'STREAMS', this.options.stream, cursor,
      )) as [string, Entry[]][] | null;
      const entries = read?.[0]?.[1] ?? [];
      if (entries.length === 0) return;
      await this.handleAll(entries, handler);
      cursor = entries.at(-1)![0];
    }
  }

  private async claimAbandoned(handler: (item: T) => Promise<void>): Promise<void> {
    const [, entries] = (await this.client.xautoclaim(
      this.options.stream, this.options.group, this.consumer, this.options.claimIdleMs ?? 30_000, '0', 'COUNT', 100,
    )) as [string, Entry[]];
    if (entries.length) await this.handleAll(entries, handler);
  }

  private async handleAll(entries: Entry[], handler: (item: T) => Promise<void>): Promise<void> {
    const { stream, group, field, parse } = this.options;
    const taken = entries.map(([id, fields]) => {
      const at = fields.indexOf(field);
      return { id, event: at >= 0 ? parse(fields[at + 1] ?? '') : null };
    });
    await handleTaken(taken, handler, { name: stream, ack: (id) => this.client.xack(stream, group, id), log: this.log });
  }
}
