import { randomBytes } from 'node:crypto';
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './http.js';

/**
 * An HTTP proxy on 127.0.0.1 in front of one loopback service (the S3 server in tests) that breaks chosen
 * requests on demand, as a store under load, stuck or crashing would. Requests no fault matches pass through
 * untouched (the Host header included, so S3 signatures still hold).
 */

/** What a faulty request gets instead of the service's answer. */
export type Fault =
  /** 500 with S3's XML error body (`InternalError`). */
  | 'internal-error'
  /** 503 with S3's XML error body (`SlowDown`): the store is shedding load. */
  | 'slow-down'
  /** The request is read and never answered, until the client gives up. */
  | 'hang'
  /** The connection is reset as soon as the request arrives. */
  | 'reset'
  /** The request reaches the service, which acts on it, but the connection is reset before its answer gets back. */
  | 'lose-answer';

export interface FaultRule {
  fault: Fault;
  /** Only requests of this method (GET, PUT, POST, DELETE, HEAD); any when absent. */
  method?: string;
  /** Only requests whose path and query match; any when absent. */
  path?: RegExp;
  /** Only the first N matching requests; every one when absent. */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The fault it met; null when it passed through. */
  fault: Fault | null;
}

export interface FaultyHttpProxy {
  /** e.g. `http://127.0.0.1:41234`, to configure in place of the service's own address. */
  url: string;
  /** Every request seen, in order of arrival. */
  requests: ProxiedRequest[];
  /** Adds a rule; the first rule that matches a request (and has uses left) decides its fault. */
  inject(rule: FaultRule): void;
  /** Removes every rule: from now on everything passes through (requests already hanging stay so). */
  heal(): void;
  close(): Promise<void>;
}

const S3_ERRORS = {
  'internal-error': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  'slow-down': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
} as const;

export async function startFaultyHttpProxy(target: string): Promise<FaultyHttpProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:' || !(upstream.hostname.startsWith('127.') || upstream.hostname === '[::1]')) {
    throw new Error(`the faulty proxy targets http on loopback only, not ${target}`);
  }
  const rules: Array<FaultRule & { left: number }> = [];
  const requests: ProxiedRequest[] = [];

  function faultFor(method: string, path: string): Fault | null {
    const index = rules.findIndex((r) => (r.method === undefined || r.method === method) && (r.path === undefined || r.path.test(path)));
    const rule = rules[index];
    if (!rule) return null;
    if (--rule.left === 0) rules.splice(index, 1);
    return rule.fault;
  }

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = faultFor(method, path);
    requests.push({ method, path, fault });
    if (fault === null || fault === 'lose-answer') return passThrough(req, res, fault === 'lose-answer');
    if (fault === 'reset') return void req.socket.resetAndDestroy();
    // Read the body first, as a server does before it answers; a hang then waits on the answer alone.
    req.resume();
    if (fault === 'hang') return;
    req.on('end', () => answerS3Error(res, S3_ERRORS[fault], method, path));
  });

  function passThrough(req: IncomingMessage, res: ServerResponse, loseAnswer: boolean): void {
    const out = forward(
      { host: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (loseAnswer) {
          answer.resume();
          return void answer.on('end', () => req.socket.resetAndDestroy());
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // Either side failing mid-way fails the other, as it would without the proxy.
    out.on('error', () => req.socket.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject(rule) {
      rules.push({ ...rule, left: rule.times ?? Infinity });
    },
    heal() {
      rules.length = 0;
    },
    close: () => closeServer(server),
  };
}

/** S3's error answer: XML body and request ids; no body for HEAD, as S3 answers it. */
function answerS3Error(res: ServerResponse, error: { status: number; code: string; message: string }, method: string, path: string): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const resource = path.split('?')[0]!;
  const body =
    method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message>` +
        `<Resource>${resource}</Resource><RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}
