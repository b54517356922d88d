import type { TranscriptionOptions } from '../../core/domain/session.js';
import type { WhisperxResult } from '../../core/domain/transcript.js';

export type TranscribeStage = 'transcribe' | 'align' | 'diarize';

export interface TranscribeRequest {
  /** Whose recording: every line the engine logs about it names the session (absent outside a job). */
  sessionId?: string;
  /** 16 kHz mono audio (FLAC or WAV) on local disk. */
  audioPath: string;
  durationSeconds: number;
  options: TranscriptionOptions;
  /** `message` replaces the stage's usual words, e.g. while a local model is downloaded first. */
  onProgress: (stage: TranscribeStage, percent: number, message?: string) => void;
  signal?: AbortSignal;
}

/** Speech to text with word timestamps (and speakers where the engine can). */
export interface Transcriber {
  readonly engine: string;
  readonly model: string | null;
  /** Set by an engine that never names speakers: shown with its transcripts, so no page implies otherwise. */
  readonly speakerNote?: string;
  transcribe(request: TranscribeRequest): Promise<WhisperxResult>;
}
