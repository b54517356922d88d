import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs a command to completion, asynchronously (a sync spawn would block an in-process S3 server). */
export function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-500)}`))));
  });
}

export interface MediaDir {
  dir: string;
  cleanup: () => Promise<void>;
}

export async function tempDir(prefix = 'wn-media-'): Promise<MediaDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A real video with speech: espeak-ng speaks `text`, ffmpeg muxes it with a test pattern into MP4
 * (H.264 + AAC, moov atom at the end as most recorders write it).
 */
export async function makeSpeechVideo(dir: string, text: string, name = 'meeting.mp4'): Promise<string> {
  const wav = path.join(dir, `${name}.speech.wav`);
  const out = path.join(dir, name);
  await run('espeak-ng', ['-w', wav, text]);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10',
    '-i', wav,
    '-shortest', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    out,
  ]);
  return out;
}

/** A silent-picture video of a given length with a tone, for timing and size tests. */
export async function makeToneVideo(dir: string, seconds: number, name = 'tone.mp4'): Promise<string> {
  const out = path.join(dir, name);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=5:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    out,
  ]);
  return out;
}

/**
 * A zip-bomb-like recording: `seconds` of silence as FLAC at 1 kHz in the largest blocks, so hours fit in a
 * few kilobytes and take a fraction of a second to make. With `claimSeconds`, its STREAMINFO header lies
 * about the length (ffprobe believes it; decoding still runs to the end of the file).
 */
export async function makeSilenceBomb(dir: string, seconds: number, opts: { claimSeconds?: number; name?: string } = {}): Promise<string> {
  const out = path.join(dir, opts.name ?? `silence-${seconds}s.flac`);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `anullsrc=r=1000:cl=mono`, '-t', String(seconds),
    '-c:a', 'flac', '-frame_size', '65535',
    out,
  ]);
  if (opts.claimSeconds !== undefined) {
    const bytes = await readFile(out);
    // STREAMINFO starts at byte 8 ("fLaC" + block header); bytes 18–25 pack 20 bits of sample rate,
    // 3 + 5 bits of channels and sample size, then 36 bits of total samples.
    const packed = bytes.readBigUInt64BE(18);
    const sampleRate = packed >> 44n;
    bytes.writeBigUInt64BE((packed & ~0xfffffffffn) | (sampleRate * BigInt(opts.claimSeconds)), 18);
    await writeFile(out, bytes);
  }
  return out;
}

/** A canonical 44-byte WAV header: 16 kHz, mono, 16-bit PCM, `dataBytes` of samples to follow. */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16_000, 24);
  h.writeUInt32LE(32_000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
