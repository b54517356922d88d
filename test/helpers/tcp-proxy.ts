import net from 'node:net';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Cuts every live connection at once, as a network failure or a broker restart would. */
  dropConnections(): void;
  /** While false, new connections are cut as soon as they arrive (an outage that lasts). */
  setAccepting(accepting: boolean): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to a loopback service, for tests that need to break connections on demand
 * without touching the service itself (others share it).
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  if (net.isIP(target.host) === 0 || !(target.host.startsWith('127.') || target.host === '::1')) {
    throw new Error(`tcp proxy targets loopback addresses only, not ${target.host}`);
  }
  const live = new Set<net.Socket>();
  let accepting = true;

  const server = net.createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      live.add(socket);
      socket.on('close', () => live.delete(socket));
      // Either side failing ends the pair; the other side sees its connection cut.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  const dropConnections = () => {
    for (const socket of live) socket.destroy();
  };

  return {
    port,
    dropConnections,
    setAccepting(value) {
      accepting = value;
    },
    close() {
      dropConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
