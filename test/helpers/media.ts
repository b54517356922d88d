import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
  cleanup(): Promise<void>;
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
