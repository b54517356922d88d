/**
 * Ingest: streams a recording of N MB from a local HTTP server through the SSRF-safe fetcher, the sniffer
 * and the size cap into S3 (multipart), then probes it. Reports MB/s and this process's peak RSS, which
 * must not grow with the size of the recording.
 */
import { randomUUID } from 'node:crypto';
import { storageLayout } from '../core/domain/storage-layout.js';
import { IngestService } from '../core/ingest/ingest.service.js';
import { createSafeFetcher } from '../core/ingest/safe-fetch.js';
import { createLogger } from '../core/logger.js';
import { probeMedia } from '../core/media/ffmpeg.js';
import { S3ObjectStore } from '../core/storage/s3.object-store.js';
import { loadConfig } from '../core/config.js';
import { peakRssMb, report } from './lib.js';

const [s3Endpoint, source, mbArg] = process.argv.slice(2);
const mb = Number(mbArg);
const config = loadConfig({ S3_ENDPOINT: s3Endpoint, S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_BUCKET_VIDEOS: 'bench-videos', S3_BUCKET_TRANSCRIPTS: 'bench-transcripts' });
const store = new S3ObjectStore(config.s3);
await store.ensureBuckets();
const layout = storageLayout(config.s3.buckets);
const ingest = new IngestService({
  store,
  layout,
  fetcher: createSafeFetcher({ allowAddresses: ['127.0.0.1'], timeoutMs: 60_000 }),
  probe: (url) => probeMedia(url),
  maxMediaBytes: 4 * 1024 ** 3,
  maxMediaSeconds: config.ingest.maxMediaSeconds,
  log: createLogger('silent'),
});

const baseline = peakRssMb();
const id = randomUUID();
const started = process.hrtime.bigint();
const media = await ingest.ingest(id, { kind: 'link', url: `${source}?bytes=${mb * 1024 * 1024}` }, () => {});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await store.deletePrefix({ bucket: config.s3.buckets.videos, key: `${id}/` });
report({
  bench: 'ingest',
  mb,
  bytes: media.bytes,
  seconds: Math.round(seconds * 100) / 100,
  mbPerSecond: Math.round((media.bytes / 1024 / 1024 / seconds) * 10) / 10,
  baselineRssMb: baseline,
  peakRssMb: peakRssMb(),
});
process.exit(0);
