import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/until.js';
import { PgliteServer } from './pglite-server.js';

let db: PGlite;
let server: PgliteServer;
const clients: pg.Client[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  db = await PGlite.create();
  server = await PgliteServer.listen(16);
  server.serve(db);
  await db.exec('create table t (n int)');
});

afterAll(async () => {
  for (const raw of raws) raw.socket.destroy(); // one left mid-transaction by a failed test holds the backend
  await Promise.all(clients.map((c) => c.end()));
  await server.close();
  await db.close();
});

/** A pg client of `on` (this file's server unless told), sending `password` (the server's unless told). */
async function client(options: { on?: PgliteServer; password?: string | undefined } = {}): Promise<pg.Client> {
  const on = options.on ?? server;
  const password = 'password' in options ? options.password : on.password;
  const c = new pg.Client({ host: '127.0.0.1', port: on.port, user: 'postgres', database: 'postgres', password });
  await c.connect();
  clients.push(c);
  return c;
}

const sqlStateOf = (err: unknown) => (err as { code?: string }).code;

/** A wire-protocol client that sends exactly the messages it is told to, when it is told to. */
class RawClient {
  private received = Buffer.alloc(0);
  readonly closed: Promise<unknown>;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    this.closed = once(socket, 'close');
  }

  /** Connected to `port`, nothing sent yet. */
  static async open(port = server.port): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const raw = new RawClient(socket);
    raws.push(raw);
    return raw;
  }

  /** Connected and authenticated, ready for queries. */
  static async connect(): Promise<RawClient> {
    const raw = await RawClient.open();
    await raw.startup();
    raw.send(message('p', server.password));
    await raw.until('Z');
    return raw;
  }

  /** Sends a StartupMessage and waits for the server to ask for a password. */
  async startup(): Promise<void> {
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    this.send(startup, params);
    const [, request] = (await this.until('R')).find(([type]) => type === 'R')!;
    expect(request.readInt32BE(0)).toBe(3); // AuthenticationCleartextPassword
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Waits for a backend message of `type`, then returns everything received so far and forgets it. */
  async until(type: string): Promise<Array<[string, Buffer]>> {
    return until(`a '${type}' message`, async () => {
      const messages = parse(this.received);
      if (!messages.some(([t]) => t === type)) return null;
      this.received = Buffer.alloc(0);
      return messages;
    });
  }
}

function message(type: string, ...parts: Array<string | number | Buffer>): Buffer {
  const body = Buffer.concat(
    parts.map((p) => {
      if (Buffer.isBuffer(p)) return p;
      if (typeof p === 'string') return Buffer.from(`${p}\0`);
      const b = Buffer.alloc(2);
      b.writeInt16BE(p);
      return b;
    }),
  );
  const header = Buffer.alloc(5);
  header.write(type);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const parseMessage = (sql: string) => message('P', '', sql, 0);
function bindText(value: string): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(Buffer.byteLength(value));
  return message('B', '', '', 0, 1, length, Buffer.from(value), 0);
}
const describePortal = message('D', Buffer.from('P\0'));
const execute = message('E', '', Buffer.alloc(4));
const sync = message('S');

function parse(buffer: Buffer): Array<[string, Buffer]> {
  const messages: Array<[string, Buffer]> = [];
  for (let at = 0; at + 5 <= buffer.length; ) {
    const length = 1 + buffer.readInt32BE(at + 1);
    if (at + length > buffer.length) break;
    messages.push([String.fromCharCode(buffer[at]!), buffer.subarray(at + 5, at + length)]);
    at += length;
  }
  return messages;
}

describe('PgliteServer', () => {
  it('runs one connection’s extended-protocol messages together, so another’s query cannot slip between them', async () => {
    const [a, b] = [await RawClient.connect(), await client()];
    a.send(parseMessage(`select 'A:' || $1::text as a`));
    await a.until('1'); // ParseComplete: the statement is parsed, its Bind not sent yet
    const other = b.query(`select 'B:' || $1::text as b`, ['bee']);
    a.send(bindText('ay'), describePortal, execute, sync);
    const rows = (await a.until('Z')).filter(([type]) => type === 'D');
    expect(rows.map(([, body]) => body.subarray(6).toString())).toEqual(['A:ay']);
    expect((await other).rows).toEqual([{ b: 'B:bee' }]);
  });

  it('lets others wait while a connection is inside a transaction', async () => {
    const [a, b] = [await client(), await client()];
    await a.query('begin');
    await a.query('insert into t values (1)');
    let counted: number | null = null;
    const reading = b.query('select count(*)::int as n from t').then((r) => (counted = (r.rows[0] as { n: number }).n));
    await a.query('insert into t values (2)');
    expect(counted).toBeNull();
    await a.query('commit');
    await reading;
    expect(counted).toBe(2);
    await db.exec('delete from t');
  });

  it('rolls back what a vanished connection left open, and lets the others go on', async () => {
    const [a, b] = [await RawClient.connect(), await client()];
    a.send(message('Q', 'begin; insert into t values (3)'));
    await a.until('Z');
    const waiting = b.query('select count(*)::int as n from t');
    a.socket.destroy();
    expect((await waiting).rows).toEqual([{ n: 0 }]);
  });

  it('refuses a connection beyond its limit with a clear error', async () => {
    const small = await PgliteServer.listen(1);
    small.serve(db);
    const first = await client({ on: small });
    await expect(client({ on: small })).rejects.toThrow(/too many connections to the embedded database \(at most 1\)/);
    await first.end();
    await small.close();
  });
});

describe('PgliteServer authentication', () => {
  const rows = async () => (await db.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n;
  /** The SQLSTATE of the ErrorResponse among `messages`. */
  const sqlState = (messages: Array<[string, Buffer]>) => {
    const fields = messages.find(([type]) => type === 'E')![1].toString().split('\0');
    return fields.find((field) => field.startsWith('C'))?.slice(1);
  };

  it('lets in a client that sends its password, and refuses one with none or another, as PostgreSQL does', async () => {
    const c = await client();
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);

    for (const password of [undefined, '', 'wrong', server.password.slice(1), `${server.password}x`]) {
      const refused = await client({ password }).catch((err: unknown) => err);
      expect(sqlStateOf(refused), String(password)).toBe('28P01');
      expect(String(refused)).toContain('password authentication failed');
    }
  });

  it('refuses another server’s password: each server makes its own', async () => {
    const other = await PgliteServer.listen(1);
    other.serve(db);
    expect(other.password).not.toBe(server.password);
    expect(sqlStateOf(await client({ on: other, password: server.password }).catch((err: unknown) => err))).toBe('28P01');
    await other.close();
  });

  it('answers a Query sent instead of the password with 28P01, closes, and never runs it', async () => {
    const raw = await RawClient.open();
    await raw.startup();
    raw.send(message('Q', 'insert into t values (99)'));
    expect(sqlState(await raw.until('E'))).toBe('28P01');
    await raw.closed;
    expect(await rows()).toBe(0);
  });

  it('drops a client that sends garbage instead of a StartupMessage, running none of it', async () => {
    const query = await RawClient.open();
    query.send(message('Q', 'insert into t values (98)')); // a Query without any startup
    await query.closed;

    const unknownCode = await RawClient.open();
    const request = Buffer.alloc(8);
    request.writeInt32BE(8, 0);
    request.writeInt32BE(0x12345678, 4);
    unknownCode.send(request, message('Q', 'insert into t values (97)'));
    await unknownCode.closed;

    const tooShort = await RawClient.open();
    await tooShort.startup();
    tooShort.send(Buffer.from([0x70, 0, 0, 0, 0])); // a PasswordMessage of length 0
    await tooShort.closed;

    expect(await rows()).toBe(0);
  });

  it('disconnects a client that does not authenticate in time, freeing its place', async () => {
    const small = await PgliteServer.listen(1, 200);
    small.serve(db);
    const silent = await RawClient.open(small.port);
    await silent.closed;
    const stalled = await RawClient.open(small.port);
    await stalled.startup();
    await stalled.closed;
    const c = await client({ on: small });
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await c.end();
    await small.close();
  });
});
