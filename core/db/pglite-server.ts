import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Serves one PGlite database to many PostgreSQL wire-protocol connections on loopback, so pg and knex use
 * it exactly as they use a real server.
 *
 * PGlite is a single backend: all connections share its one session. A connection therefore holds the
 * backend for a whole protocol unit (a simple Query, or extended-protocol messages up to their Sync) and,
 * past that, for as long as it is inside a transaction; other connections' messages wait their turn.
 * (@electric-sql/pglite-socket 0.2 takes turns per message outside transactions, so one connection's Bind
 * can run against another's Parse and return the other query's rows: electric-sql/pglite#1046.)
 */
export class PgliteServer {
  private readonly connections = new Set<Connection>();
  private readonly backend = new Backend();

  private constructor(
    private readonly server: Server,
    /** The loopback port it listens on. */
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 (any free port); connections wait until `serve` hands over the database. */
  static async listen(maxConnections: number): Promise<PgliteServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const self = new PgliteServer(server, (server.address() as { port: number }).port);
    server.on('connection', (socket) => self.accept(socket, maxConnections));
    return self;
  }

  serve(db: PGlite): void {
    this.backend.open(db);
  }

  /**
   * Stops listening and disconnects every client, rolling back what they left open; the database itself
   * stays open (its owner closes it after this).
   */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.backend.stop();
    await Promise.all([...this.connections].map((c) => c.destroy()));
    await stopped;
  }

  private accept(socket: Socket, maxConnections: number): void {
    if (this.connections.size >= maxConnections) {
      const refusal = errorResponse('53300', `too many connections to the embedded database (at most ${maxConnections})`);
      socket.end(refusal, () => socket.destroy());
      return;
    }
    const connection = new Connection(socket, this.backend);
    this.connections.add(connection);
    void connection.finished.then(() => this.connections.delete(connection));
  }
}

/** The one PGlite backend: whose turn it is, and who waits for it, first come first served. */
class Backend {
  db: PGlite | null = null;
  private stopped = false;
  private opened!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.opened = resolve));
  private holder: Connection | null = null;
  private readonly waiting: Array<{ connection: Connection; wake: () => void }> = [];

  open(db: PGlite): void {
    this.db = db;
    this.opened();
  }

  /** Nothing new runs any more; those waiting for the database are let go. */
  stop(): void {
    this.stopped = true;
    this.opened();
  }

  /** Waits for the connection's turn and for the database; null once stopped. */
  async take(connection: Connection): Promise<PGlite | null> {
    if (this.holder === null) this.holder = connection;
    else if (this.holder !== connection) await new Promise<void>((wake) => this.waiting.push({ connection, wake }));
    await this.ready;
    return this.stopped ? null : this.db;
  }

  holds(connection: Connection): boolean {
    return this.holder === connection;
  }

  release(connection: Connection): void {
    if (this.holder !== connection) return;
    const next = this.waiting.shift();
    this.holder = next?.connection ?? null;
    next?.wake();
  }
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

/** One client socket: frames its messages and runs them in order on the backend, in its turn. */
class Connection {
  readonly finished: Promise<void>;
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  /** Extended-protocol messages ran and their Sync has not come yet. */
  private midUnit = false;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly backend: Backend,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    this.finished = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        // After what is running: a backend left mid-unit or inside a transaction is made idle again.
        this.queue = this.queue.then(() => this.leave()).catch(() => undefined).then(resolve);
      }),
    );
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.finished;
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      // Startup-phase messages have no type byte: length, then a code.
      const header = this.started ? 5 : 8;
      if (this.buffer.length < header) return;
      const length = this.started ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
      if (this.buffer.length < length) return;
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      if (this.started) {
        if (message[0] === TERMINATE) return void this.socket.end();
        this.enqueue(message, message[0] === SYNC || message[0] === QUERY);
        continue;
      }
      const code = message.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.socket.write('N'); // no encryption on loopback: the client goes on in plain text
      } else if (code === CANCEL_REQUEST) {
        return void this.socket.destroy(); // one backend, running one message at a time: nothing to cancel
      } else {
        this.started = true;
        this.enqueue(message, true);
      }
    }
  }

  private enqueue(message: Buffer, endsUnit: boolean): void {
    this.queue = this.queue.then(() => this.run(message, endsUnit)).catch(() => void this.socket.destroy());
  }

  private async run(message: Buffer, endsUnit: boolean): Promise<void> {
    if (this.closed) return;
    const db = await this.backend.take(this);
    if (!db || this.closed) return;
    try {
      await db.execProtocolRawStream(new Uint8Array(message), {
        onRawData: (data) => void (this.socket.writable && this.socket.write(data)),
      });
    } catch {
      this.socket.destroy();
      return;
    }
    this.midUnit = !endsUnit;
    if (endsUnit && !db.isInTransaction()) this.backend.release(this);
  }

  private async leave(): Promise<void> {
    const db = this.backend.db;
    try {
      if (db && this.backend.holds(this)) {
        if (this.midUnit) await db.execProtocolRaw(message(SYNC, Buffer.alloc(0)));
        if (db.isInTransaction()) await db.execProtocolRaw(message(QUERY, Buffer.from('ROLLBACK\0')));
      }
    } finally {
      this.backend.release(this);
    }
  }
}

function message(type: number, body: Buffer): Uint8Array {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeInt32BE(4 + body.length, 1);
  return new Uint8Array(Buffer.concat([header, body]));
}

/** A FATAL ErrorResponse, as a server sends before closing a connection it refuses. */
function errorResponse(sqlState: string, text: string): Uint8Array {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlState}\0M${text}\0\0`);
  return message(0x45 /* 'E' */, fields);
}
