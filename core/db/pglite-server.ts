import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/** How long a client may take to start up and authenticate (PostgreSQL's authentication_timeout). */
const AUTHENTICATION_TIMEOUT_MS = 60_000;

/**
 * Serves one PGlite database to many PostgreSQL wire-protocol connections on loopback, so pg and knex use
 * it exactly as they use a real server.
 *
 * Loopback is open to every user of the machine, so a client must first send `password`, a secret made
 * for this server; nothing it sends reaches PGlite before that.
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
  /** The password clients send, new for each server; pass it on only to whom may use the database. */
  readonly password = randomBytes(24).toString('base64url');
  /** The body of the PasswordMessage that authenticates: the password, NUL-terminated. */
  private readonly passwordBody = Buffer.from(`${this.password}\0`);

  private constructor(
    private readonly server: Server,
    /** The loopback port it listens on. */
    readonly port: number,
  ) {}

  /**
   * Listens on 127.0.0.1 (any free port); connections wait until `serve` hands over the database. A client
   * not authenticated within `authenticationTimeoutMs` is disconnected.
   */
  static async listen(maxConnections: number, authenticationTimeoutMs = AUTHENTICATION_TIMEOUT_MS): Promise<PgliteServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const self = new PgliteServer(server, (server.address() as { port: number }).port);
    server.on('connection', (socket) => self.accept(socket, maxConnections, authenticationTimeoutMs));
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

  private accept(socket: Socket, maxConnections: number, authenticationTimeoutMs: number): void {
    if (this.connections.size >= maxConnections) {
      refuse(socket, '53300', `too many connections to the embedded database (at most ${maxConnections})`);
      return;
    }
    const connection = new Connection(socket, this.backend, this.passwordBody, authenticationTimeoutMs);
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
const PROTOCOL_3 = 3;
const PASSWORD = 0x70; // 'p'
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
/** The longest message taken before authentication (PostgreSQL's limit on a startup packet). */
const MAX_UNAUTHENTICATED_LENGTH = 10_000;

/**
 * Where a connection is: `startup` until its StartupMessage, `password` until its PasswordMessage, then
 * `authenticated` (its messages run on the backend), or `closing` (anything more it sends is ignored).
 */
type Phase = 'startup' | 'password' | 'authenticated' | 'closing';

/** One client socket: authenticates it, then frames its messages and runs them in order on the backend, in its turn. */
class Connection {
  readonly finished: Promise<void>;
  private buffer: Buffer = Buffer.alloc(0);
  private phase: Phase = 'startup';
  /** Passed to PGlite once the client has authenticated. */
  private startupMessage: Buffer | null = null;
  /** Extended-protocol messages ran and their Sync has not come yet. */
  private midUnit = false;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  /** Disconnects a client still not authenticated then (a timer, not an idle timeout: trickling bytes does not help). */
  private readonly authenticationDeadline: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly backend: Backend,
    /** The body of the PasswordMessage that authenticates. */
    private readonly passwordBody: Buffer,
    authenticationTimeoutMs: number,
  ) {
    this.authenticationDeadline = setTimeout(() => this.drop(), authenticationTimeoutMs);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    this.finished = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        clearTimeout(this.authenticationDeadline);
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
    while (this.phase !== 'closing') {
      const message = this.nextMessage();
      if (!message) return;
      if (this.phase === 'startup') this.startup(message);
      else if (this.phase === 'password') this.authenticate(message);
      else if (message[0] !== TERMINATE) this.enqueue(message, message[0] === SYNC || message[0] === QUERY);
      else {
        this.phase = 'closing';
        this.socket.end();
      }
    }
  }

  /** Takes the next whole message off the buffer: null while it is incomplete, or when it cannot be one (then the connection is dropped). */
  private nextMessage(): Buffer | null {
    // Startup-phase messages have no type byte: length, then a code.
    const typed = this.phase !== 'startup';
    const header = typed ? 5 : 8;
    if (this.buffer.length < header) return null;
    const length = typed ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
    if (length < header || (this.phase !== 'authenticated' && length > MAX_UNAUTHENTICATED_LENGTH)) {
      this.drop();
      return null;
    }
    if (this.buffer.length < length) return null;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  private startup(message: Buffer): void {
    const code = message.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N'); // no encryption on loopback: the client goes on in plain text
    } else if (code >> 16 === PROTOCOL_3) {
      this.startupMessage = message;
      this.phase = 'password';
      this.socket.write(AUTHENTICATION_CLEARTEXT_PASSWORD); // cleartext: it never leaves the machine
    } else {
      this.drop(); // a CancelRequest (one backend, running one message at a time: nothing to cancel), or not PostgreSQL
    }
  }

  private authenticate(message: Buffer): void {
    const body = message.subarray(5);
    // Compared in constant time, so the time taken tells nothing of how much of it was right.
    const right = message[0] === PASSWORD && body.length === this.passwordBody.length && timingSafeEqual(body, this.passwordBody);
    if (!right) {
      this.phase = 'closing';
      refuse(this.socket, '28P01', 'password authentication failed');
      return;
    }
    this.phase = 'authenticated';
    clearTimeout(this.authenticationDeadline);
    this.enqueue(this.startupMessage!, true);
  }

  /** Disconnects at once, saying nothing: the client sent what no PostgreSQL client sends here, or took too long. */
  private drop(): void {
    this.phase = 'closing';
    this.socket.destroy();
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

/** AuthenticationCleartextPassword: 'R', length 8, code 3. */
const AUTHENTICATION_CLEARTEXT_PASSWORD = message(0x52 /* 'R' */, Buffer.from([0, 0, 0, 3]));

/** Sends a FATAL ErrorResponse, as a server does before closing a connection it refuses, and closes. */
function refuse(socket: Socket, sqlState: string, text: string): void {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlState}\0M${text}\0\0`);
  socket.end(message(0x45 /* 'E' */, fields), () => socket.destroy());
}
