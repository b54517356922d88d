/**
 * The viewers of bench/sse.bench.ts, in their own process so the server's memory is its own: opens one
 * event stream per URL given on stdin (one JSON array), prints READY once every stream has its first event,
 * then records publish → receipt latency (the event's message carries its publish time) until `expected`
 * events reached every viewer, and prints DONE with the latency percentiles.
 */
import http from 'node:http';
import { createInterface } from 'node:readline';
import { percentile } from './lib.js';

const expected = Number(process.argv[2]);
const input = createInterface({ input: process.stdin });
const urls = JSON.parse((await input[Symbol.asyncIterator]().next()).value as string) as string[];
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const latencies: number[] = [];
let connected = 0;
let finished = 0;

for (const url of urls) {
  http.get(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
    let buffer = '';
    let events = 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const now = performance.timeOrigin + performance.now();
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data) continue;
        events++;
        if (events === 1) {
          if (++connected === urls.length) process.stdout.write('READY {}\n');
          continue; // the current state, sent on connect
        }
        const sent = /^sent=([\d.]+)$/.exec((JSON.parse(data) as { message: string }).message)?.[1];
        if (sent) latencies.push(now - Number(sent));
        if (events === expected + 1 && ++finished === urls.length) {
          latencies.sort((a, b) => a - b);
          const summary = { deliveries: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) };
          process.stdout.write(`DONE ${JSON.stringify(summary)}\n`, () => process.exit(0));
        }
      }
    });
  });
}
