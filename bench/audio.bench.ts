/**
 * Audio extraction: a 10-minute video read by ffmpeg through a presigned S3 URL into 16 kHz mono FLAC.
 * Reports how many times faster than real time it runs.
 */
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { loadConfig } from '../core/config.js';
import { probeMedia, extractAudio } from '../core/media/ffmpeg.js';
import { S3ObjectStore } from '../core/storage/s3.object-store.js';
import { makeToneVideo, tempDir } from '../test/helpers/media.js';
import { report } from './lib.js';

const SECONDS = Number(process.env.BENCH_AUDIO_SECONDS ?? 600);
const [s3Endpoint] = process.argv.slice(2);
const config = loadConfig({ S3_ENDPOINT: s3Endpoint, S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_BUCKET_VIDEOS: 'bench-videos', S3_BUCKET_TRANSCRIPTS: 'bench-transcripts' });
const store = new S3ObjectStore(config.s3);
await store.ensureBuckets();
const media = await tempDir('wn-bench-audio-');
try {
  const video = await makeToneVideo(media.dir, SECONDS);
  const ref = { bucket: config.s3.buckets.videos, key: 'audio-bench/original.mp4' };
  await store.upload(ref, createReadStream(video), { contentType: 'video/mp4' });
  const url = await store.presignGet(ref, 600);
  const { durationSeconds } = await probeMedia(url);
  const started = performance.now();
  await extractAudio(url, path.join(media.dir, 'audio.flac'), { durationSeconds });
  const seconds = (performance.now() - started) / 1000;
  await store.deletePrefix({ bucket: ref.bucket, key: 'audio-bench/' });
  report({
    bench: 'audio',
    mediaSeconds: Math.round(durationSeconds),
    seconds: Math.round(seconds * 100) / 100,
    timesRealtime: Math.round(durationSeconds / seconds),
  });
} finally {
  await media.cleanup();
}
process.exit(0);
