import { Readable } from 'node:stream';

/**
 * Recognises video and audio containers by their first bytes. File names and Content-Type headers are
 * whatever the sender says; the bytes decide what we store and what extension it gets.
 */

export interface SniffedMedia {
  kind: 'video' | 'audio';
  ext: string;
  contentType: string;
}

const MP4: SniffedMedia = { kind: 'video', ext: 'mp4', contentType: 'video/mp4' };
const MOV: SniffedMedia = { kind: 'video', ext: 'mov', contentType: 'video/quicktime' };
const M4A: SniffedMedia = { kind: 'audio', ext: 'm4a', contentType: 'audio/mp4' };
const THREE_GP: SniffedMedia = { kind: 'video', ext: '3gp', contentType: 'video/3gpp' };
const THREE_G2: SniffedMedia = { kind: 'video', ext: '3g2', contentType: 'video/3gpp2' };
const WEBM: SniffedMedia = { kind: 'video', ext: 'webm', contentType: 'video/webm' };
const MKV: SniffedMedia = { kind: 'video', ext: 'mkv', contentType: 'video/x-matroska' };
const AVI: SniffedMedia = { kind: 'video', ext: 'avi', contentType: 'video/x-msvideo' };
const WAV: SniffedMedia = { kind: 'audio', ext: 'wav', contentType: 'audio/wav' };
const MP3: SniffedMedia = { kind: 'audio', ext: 'mp3', contentType: 'audio/mpeg' };
const AAC: SniffedMedia = { kind: 'audio', ext: 'aac', contentType: 'audio/aac' };
const OGG: SniffedMedia = { kind: 'audio', ext: 'ogg', contentType: 'audio/ogg' };
const OGV: SniffedMedia = { kind: 'video', ext: 'ogv', contentType: 'video/ogg' };
const FLAC: SniffedMedia = { kind: 'audio', ext: 'flac', contentType: 'audio/flac' };
const MPEG_TS: SniffedMedia = { kind: 'video', ext: 'ts', contentType: 'video/mp2t' };

const TS_PACKET = 188;
const TS_PACKETS_CHECKED = 3;

/** What container `head` (the first few KB of a file) starts, or null when it is not media we know. */
export function sniffMedia(head: Buffer): SniffedMedia | null {
  const at = (offset: number, text: string) => head.toString('latin1', offset, offset + text.length) === text;

  if (at(4, 'ftyp')) return isoMedia(head);
  // QuickTime files older than the ftyp box open straight with one of these atoms.
  if (['moov', 'mdat', 'wide'].some((atom) => at(4, atom))) return MOV;
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return matroska(head);
  if ((at(0, 'RIFF') || at(0, 'RF64')) && at(8, 'WAVE')) return WAV;
  if (at(0, 'RIFF') && at(8, 'AVI ')) return AVI;
  if (at(0, 'OggS')) return head.includes('\x80theora', 0, 'latin1') ? OGV : OGG;
  if (at(0, 'fLaC')) return FLAC;
  if (at(0, 'ID3')) return afterId3(head);
  if (isTransportStream(head)) return MPEG_TS;
  return audioFrame(head);
}

/**
 * MPEG-TS has no signature, only a sync byte (0x47, 'G') every 188 bytes: demand three packets in a row
 * whose headers are sane, so that text full of Gs is not taken for video.
 */
function isTransportStream(head: Buffer): boolean {
  if (head.length < (TS_PACKETS_CHECKED - 1) * TS_PACKET + 4) return false;
  for (let packet = 0; packet < TS_PACKETS_CHECKED; packet++) {
    const at = packet * TS_PACKET;
    const flags = head[at + 3] ?? 0;
    const transportError = ((head[at + 1] ?? 0) & 0x80) !== 0;
    const reservedScrambling = (flags & 0xc0) === 0x40;
    const noPayloadNorAdaptation = (flags & 0x30) === 0;
    if (head[at] !== 0x47 || transportError || reservedScrambling || noPayloadNorAdaptation) return false;
  }
  return true;
}

/** ISO base media (MP4 family): the major brand says which, else the first compatible brand we know. */
function isoMedia(head: Buffer): SniffedMedia | null {
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) brands.push(head.toString('latin1', offset, offset + 4));
  // HEIF and AVIF pictures are ISO files too; a still image is not a recording.
  if (brands.some((brand) => ['mif1', 'msf1', 'heic', 'heix', 'avif', 'avis'].includes(brand))) return null;
  for (const brand of brands) {
    const media = isoBrand(brand);
    if (media) return media;
  }
  return null;
}

function isoBrand(brand: string): SniffedMedia | null {
  if (brand === 'qt  ') return MOV;
  if (['M4A ', 'M4B ', 'M4P ', 'F4A '].includes(brand)) return M4A;
  if (brand.startsWith('3g2')) return THREE_G2;
  if (brand.startsWith('3gp') || brand.startsWith('3ge') || brand.startsWith('3gg')) return THREE_GP;
  if (/^(iso[2-9m]|isom|mp4[12]|mp71|avc1|dash|M4V[ HP]|f4v |MSNV|mmp4)$/.test(brand)) return MP4;
  return null;
}

/** Matroska and WebM share EBML; the header's DocType element tells them apart. */
function matroska(head: Buffer): SniffedMedia | null {
  const header = readVint(head, 4);
  if (!header) return null;
  const end = Math.min(header.next + header.value, head.length);
  for (let pos = header.next; pos < end; ) {
    const idLength = vintLength(head[pos] ?? 0);
    const size = idLength === 0 || idLength > 4 ? null : readVint(head, pos + idLength);
    if (!size) return null;
    if (head.readUIntBE(pos, idLength) === 0x4282) {
      const docType = head.toString('latin1', size.next, size.next + size.value).replace(/\0+$/, '');
      return docType === 'webm' ? WEBM : docType === 'matroska' ? MKV : null;
    }
    pos = size.next + size.value;
  }
  return null;
}

function vintLength(first: number): number {
  for (let length = 1; length <= 8; length++) if (first & (0x80 >> (length - 1))) return length;
  return 0;
}

/** An EBML variable-length integer (marker bit removed), or null when it runs past the buffer. */
function readVint(buf: Buffer, pos: number): { value: number; next: number } | null {
  const length = vintLength(buf[pos] ?? 0);
  if (length === 0 || pos + length > buf.length) return null;
  let value = (buf[pos] ?? 0) & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + (buf[pos + i] ?? 0);
  return { value, next: pos + length };
}

/** An ID3 tag usually fronts MP3, but may front AAC or FLAC too: look past it when it fits in `head`. */
function afterId3(head: Buffer): SniffedMedia {
  const syncsafe = (((head[6] ?? 0) & 0x7f) << 21) | (((head[7] ?? 0) & 0x7f) << 14) | (((head[8] ?? 0) & 0x7f) << 7) | ((head[9] ?? 0) & 0x7f);
  const hasFooter = ((head[5] ?? 0) & 0x10) !== 0;
  const end = 10 + syncsafe + (hasFooter ? 10 : 0);
  const rest = head.subarray(end);
  if (rest.length >= 4) {
    if (rest.toString('latin1', 0, 4) === 'fLaC') return FLAC;
    if (audioFrame(rest) === AAC) return AAC;
  }
  return MP3;
}

/** A raw MPEG audio (MP3) or ADTS (AAC) frame header at offset 0, with every field in its valid range. */
function audioFrame(head: Buffer): SniffedMedia | null {
  if (head.length < 4 || head[0] !== 0xff) return null;
  const b1 = head[1] ?? 0;
  const b2 = head[2] ?? 0;
  if ((b1 & 0xf6) === 0xf0) {
    const samplingIndex = (b2 >> 2) & 0x0f;
    return samplingIndex <= 12 ? AAC : null;
  }
  if ((b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0x03;
  const valid = version !== 0x01 && layer !== 0x00 && bitrateIndex !== 0x00 && bitrateIndex !== 0x0f && sampleRateIndex !== 0x03;
  return valid ? MP3 : null;
}

/**
 * Reads the first `bytes` of `stream` and hands back a stream that still yields every byte, those
 * included. Only the head is held in memory; the rest stays in the stream until the caller reads it.
 */
export async function readHead(stream: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let total = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    if (stream.destroyed) {
      reject(stream.errored ?? new Error('the stream was closed before it was read'));
      return;
    }
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      total += buf.length;
      if (total >= bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error('the stream was closed before its end'));
    function detach() {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    }
    function fail(err: Error) {
      detach();
      reject(err);
    }
    function finish(atEnd: boolean) {
      detach();
      stream.pause();
      // Put the bytes back now, synchronously: a stream whose last chunk this was ends on the next tick,
      // before an awaiting caller runs, and an ended stream takes nothing back.
      if (!atEnd) stream.unshift(Buffer.concat(chunks));
      resolve(atEnd);
    }
    stream.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    stream.resume();
  });

  const consumed = Buffer.concat(chunks);
  const head = consumed.subarray(0, bytes);
  // A stream that has emitted 'end' cannot take data back; all of it is in `consumed` anyway.
  if (ended) return { head, stream: Readable.from([consumed], { objectMode: false }) };
  return { head, stream };
}
