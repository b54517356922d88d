import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { extractAudio } from '../../core/media/ffmpeg.js';
import type { Engines } from '../processor.js';
import { OpenAITodoGenerator } from './openai.todo-generator.js';
import { OpenAITranscriber } from './openai.transcriber.js';
import { WhisperxTranscriber } from './whisperx.transcriber.js';

/** The engines chosen by configuration (TRANSCRIBER, WHISPERX_URL, OPENAI_BASE_URL, LLM_MODEL…). */
export function createEngines(config: Config, log: Logger): Engines {
  const { transcriber: t, llm } = config;
  const transcriber =
    t.engine === 'whisperx'
      ? new WhisperxTranscriber({ url: t.whisperxUrl, model: t.model ?? null }, log.child({ engine: 'whisperx' }))
      : new OpenAITranscriber({ baseURL: llm.baseUrl, apiKey: llm.apiKey, model: t.model ?? 'whisper-1' }, log.child({ engine: 'openai-stt' }));
  const generator = new OpenAITodoGenerator(
    { baseURL: llm.baseUrl, apiKey: llm.apiKey, model: llm.model, chunkSeconds: llm.chunkSeconds },
    log.child({ engine: 'llm' }),
  );
  // The probed length comes from the container and may lie; this bounds what extraction can write.
  const maxSeconds = config.ingest.maxMediaSeconds;
  return { transcriber, generator, extractAudio: (input, outPath, opts) => extractAudio(input, outPath, { ...opts, maxSeconds }) };
}
