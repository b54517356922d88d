import type { WhisperxResult } from '../../../core/domain/transcript.js';
import { AppError, isAppError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { MODEL_LABELS } from '../../../core/models/catalog.js';
import { downloadMessage, type ModelProvider } from '../../../core/models/model-provider.js';
import type { TranscribeRequest, Transcriber } from '../transcriber.js';
import { EngineCrashed, type InferenceHost } from './inference-host.js';
import type { WhisperProgress, WhisperResult, WhisperTask } from './whisper.protocol.js';

/**
 * Speech to text on this machine's CPU with whisper.cpp (in its own process): segments with word times and
 * the detected language. It does not tell speakers apart; the transcript says so (SPEAKERS_UNAVAILABLE).
 */
export class WhisperCppTranscriber implements Transcriber {
  readonly engine = 'whisper.cpp';
  readonly model: string;
  readonly speakerNote = SPEAKERS_UNAVAILABLE;

  constructor(
    private readonly provider: ModelProvider,
    private readonly host: InferenceHost<WhisperTask, WhisperResult, WhisperProgress>,
    private readonly options: { threads: number },
    private readonly log: Logger,
  ) {
    this.model = provider.model.name;
  }

  async transcribe({ sessionId, audioPath, durationSeconds, options, onProgress, signal }: TranscribeRequest): Promise<WhisperxResult> {
    const log = this.log.child({ sessionId });
    const modelPath = await this.provider.ensure((p) => onProgress('transcribe', 0, downloadMessage(MODEL_LABELS.speech, p)), signal);
    const started = Date.now();
    log.info({ durationSeconds, language: options.language, threads: this.options.threads }, 'local transcription started');
    try {
      const result = await this.host.run(
        { modelPath, audioPath, threads: this.options.threads, language: options.language, prompt: options.prompt },
        { signal, onProgress: ({ seconds }) => onProgress('transcribe', durationSeconds > 0 ? Math.min(100, (seconds / durationSeconds) * 100) : 0) },
      );
      const elapsedMs = Date.now() - started;
      log.info({ segments: result.segments.length, elapsedMs, realTimeFactor: durationSeconds > 0 ? elapsedMs / 1000 / durationSeconds : null }, 'local transcription finished');
      return { language: result.language, segments: result.segments };
    } catch (err) {
      if (signal?.aborted || isAppError(err)) throw err;
      // A crash (often memory) may not happen again; a model file that cannot be loaded or run will.
      throw new AppError(
        'TRANSCRIPTION_FAILED',
        'The local speech engine failed on this recording. An administrator should check the log, LOCAL_WHISPER_MODEL and the memory available.',
        err instanceof EngineCrashed,
        { cause: err },
      );
    }
  }
}

export const SPEAKERS_UNAVAILABLE = 'Speakers are not identified: the local speech engine (whisper.cpp) does not tell voices apart.';
