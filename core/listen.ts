import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.js';

/** Where a server listens, and the variables that set it (named when the address cannot be had). */
export interface ListenAddress {
  host: string;
  port: number;
  hostVariable: string;
  portVariable: string;
}

/**
 * Listens on `address` and resolves with the port taken (0 picks a free one). A port that is busy or not
 * allowed, or an address this machine does not have, is the operator's to change: it becomes a ConfigError
 * whose one line names the variable, not a stack trace.
 */
export async function listenOn(app: FastifyInstance, address: ListenAddress): Promise<number> {
  try {
    await app.listen({ host: address.host, port: address.port });
  } catch (err) {
    const problem = listenProblem(err, address);
    if (!problem) throw err;
    await app.close();
    throw new ConfigError(problem);
  }
  return (app.server.address() as AddressInfo).port;
}

function listenProblem(err: unknown, { host, port, hostVariable, portVariable }: ListenAddress): string | null {
  const where = `${host}:${port}`;
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where}: another program uses port ${port}; set ${portVariable} to a free port`;
    case 'EACCES':
      return `Cannot listen on ${where}: this user may not use port ${port}; set ${portVariable} to a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${where}: ${host} is not an address of this machine; set ${hostVariable} to one (127.0.0.1, or 0.0.0.0 for every interface)`;
    default:
      return null;
  }
}
