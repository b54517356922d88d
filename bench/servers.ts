/**
 * Benchmark peers in their own process: an S3 server and an HTTP server that streams a valid MP4 of any
 * size without holding it (a real short MP4 followed by an MP4 `free` box of zeros, which players skip).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeSpeechVideo, tempDir } from '../test/helpers/media.js';
import { startS3 } from '../test/helpers/s3-server.js';

const s3 = await startS3();
const media = await tempDir('wn-bench-');
const head = await readFile(await makeSpeechVideo(media.dir, 'Benchmark recording. Please ship the report.'));

const CHUNK = Buffer.alloc(1024 * 1024);
const server = http.createServer((req, res) => {
  const bytes = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 0);
  const padding = Math.max(8, bytes - head.length);
  const box = Buffer.alloc(8);
  box.writeUInt32BE(padding, 0);
  box.write('free', 4, 'latin1');
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': head.length + padding });
  res.write(head);
  res.write(box);
  let left = padding - 8;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

process.stdout.write(`READY ${JSON.stringify({ s3: s3.endpoint, source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/media.mp4` })}\n`);
const stop = async () => {
  server.close();
  await s3.close();
  await media.cleanup();
  process.exit(0);
};
process.once('SIGTERM', () => {
  stop().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
