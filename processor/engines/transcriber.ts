import type { TranscriptionOptions } from '../../core/domain/session.js';
import type { WhisperxResult } from '../../core/domain/transcript.js';

export type TranscribeStage = 'transcribe' | 'align' | 'diarize';

export interface TranscribeRequest {
  /** 16 kHz mono audio (FLAC or WAV) on local disk. */
  audioPath: string;
  durationSeconds: number;
  options: TranscriptionOptions;
  onProgress: (stage: TranscribeStage, percent: number) => void;
  signal?: AbortSignal;
}

/** Speech to text with word timestamps (and speakers where the engine can). */
export interface Transcriber {
  readonly engine: string;
  readonly model: string | null;
  transcribe(request: TranscribeRequest): Promise<WhisperxResult>;
}
