import type { Core } from '../../core/app.js';
import { aiEngineChoices } from '../../core/engines.js';
import { modelStates } from '../../core/models/index.js';
import { extractAudio } from '../../core/media/ffmpeg.js';
import type { ProcessorEngines } from '../processor.js';
import { InferenceHost } from './local/inference-host.js';
import { LlamaCppTodoGenerator } from './local/llama-cpp.todo-generator.js';
import { WhisperCppTranscriber } from './local/whisper-cpp.transcriber.js';
import type { WhisperProgress, WhisperResult, WhisperTask } from './local/whisper.protocol.js';
import { OpenAITodoGenerator } from './openai.todo-generator.js';
import { OpenAITranscriber } from './openai.transcriber.js';
import type { TodoGenerator } from './todo-generator.js';
import type { Transcriber } from './transcriber.js';
import { WhisperxTranscriber } from './whisperx.transcriber.js';

/**
 * The engines chosen by configuration: WhisperX (WHISPERX_URL), an OpenAI-compatible endpoint
 * (TRANSCRIBER=openai, OPENAI_BASE_URL / OPENAI_API_KEY) or the local whisper.cpp and llama.cpp engines,
 * each in a child process of its own.
 */
export async function createEngines({ config, log, local: shared }: Pick<Core, 'config' | 'log' | 'local'>): Promise<ProcessorEngines> {
  const { transcriber: t, llm, local } = config;
  // The core's: the questions this process is asked use the same llama.cpp process and take turns with these.
  const { models, turns } = shared;
  const states = await modelStates(models);
  for (const choice of aiEngineChoices(config, { speech: models.speech?.model.path, llm: models.llm?.model.path })) {
    const state = states[choice.part === 'transcriber' ? 'speech' : 'llm'];
    log.info({ ...choice, ...(state && { state }) }, `${choice.part}: ${choice.engine}`);
  }
  let whisper: InferenceHost<WhisperTask, WhisperResult, WhisperProgress> | null = null;
  let transcriber: Transcriber;
  if (t.engine === 'whisperx') {
    transcriber = new WhisperxTranscriber({ url: t.whisperxUrl, model: t.model ?? null }, log.child({ engine: 'whisperx' }));
  } else if (t.engine === 'openai') {
    transcriber = new OpenAITranscriber({ baseURL: llm.baseUrl, apiKey: llm.apiKey, model: t.model ?? 'whisper-1' }, log.child({ engine: 'openai-stt' }));
  } else {
    // Speech and notes take turns: each engine uses all LOCAL_THREADS cores. Each log line names its engine itself.
    whisper = new InferenceHost({ name: 'whisper.cpp', entry: new URL('./local/whisper.worker.ts', import.meta.url), idleMs: local.idleMs, log, turns });
    transcriber = new WhisperCppTranscriber(
      models.speech!,
      whisper,
      { threads: local.threads },
      log.child({ engine: 'whisper.cpp' }),
    );
  }

  const generator: TodoGenerator =
    llm.engine === 'openai'
      ? new OpenAITodoGenerator(
          { baseURL: llm.baseUrl, apiKey: llm.apiKey, model: llm.model, chunkSeconds: llm.chunkSeconds },
          log.child({ engine: 'llm' }),
        )
      : new LlamaCppTodoGenerator(shared.llm!.model, shared.llm!.host, shared.llm!.settings, log.child({ engine: 'llama.cpp' }));

  // The probed length comes from the container and may lie; this bounds what extraction can write.
  const maxSeconds = config.ingest.maxMediaSeconds;
  return {
    transcriber,
    generator,
    extractAudio: (input, outPath, opts) => extractAudio(input, outPath, { ...opts, maxSeconds }),
    models,
    // The models and llama.cpp are the core's, closed with it.
    close: async () => {
      await whisper?.close();
    },
  };
}
