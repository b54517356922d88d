/** One transcription by the local speech engine (see whisper.worker.ts). */
export interface WhisperTask {
  modelPath: string;
  /** Any audio ffmpeg reads; the worker decodes it to 16 kHz mono itself. */
  audioPath: string;
  threads: number;
  /** An ISO code, or null to detect the language on the first part of the recording. */
  language: string | null;
  /** Words the model should expect (names, jargon), given as the first window's context. */
  prompt: string | null;
}

export interface WhisperWord {
  word: string;
  start: number;
  end: number;
}

export interface WhisperSegment {
  start: number;
  end: number;
  text: string;
  words: WhisperWord[];
}

export interface WhisperResult {
  language: string;
  segments: WhisperSegment[];
}

/** Seconds of audio transcribed so far. */
export interface WhisperProgress {
  seconds: number;
}
