import type { Core } from '../../core/app.js';
import { aiEngineChoices } from '../../core/engines.js';
import { localModels, modelStates } from '../../core/models/index.js';
import { extractAudio } from '../../core/media/ffmpeg.js';
import type { ProcessorEngines } from '../processor.js';
import { InferenceHost, Turns } from './local/inference-host.js';
import { LlamaCppTodoGenerator } from './local/llama-cpp.todo-generator.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from './local/llama.protocol.js';
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
export async function createEngines({ config, log }: Pick<Core, 'config' | 'log'>): Promise<ProcessorEngines> {
  const { transcriber: t, llm, local } = config;
  const models = localModels(config, log);
  const states = await modelStates(models);
  for (const choice of aiEngineChoices(config, { speech: models.speech?.model.path, llm: models.llm?.model.path })) {
    const state = states[choice.part === 'transcriber' ? 'speech' : 'llm'];
    log.info({ ...choice, ...(state && { state }) }, `${choice.part}: ${choice.engine}`);
  }
  const hosts: Array<InferenceHost<never, unknown, unknown>> = [];
  // Speech and notes take turns: each engine uses all LOCAL_THREADS cores.
  const turns = new Turns();
  const host = <T, R, P>(name: string, entry: URL) => {
    const h = new InferenceHost<T, R, P>({ name, entry, idleMs: local.idleMs, log, turns }); // each line names its engine itself
    hosts.push(h);
    return h;
  };

  let transcriber: Transcriber;
  if (t.engine === 'whisperx') {
    transcriber = new WhisperxTranscriber({ url: t.whisperxUrl, model: t.model ?? null }, log.child({ engine: 'whisperx' }));
  } else if (t.engine === 'openai') {
    transcriber = new OpenAITranscriber({ baseURL: llm.baseUrl, apiKey: llm.apiKey, model: t.model ?? 'whisper-1' }, log.child({ engine: 'openai-stt' }));
  } else {
    transcriber = new WhisperCppTranscriber(
      models.speech!,
      host<WhisperTask, WhisperResult, WhisperProgress>('whisper.cpp', new URL('./local/whisper.worker.ts', import.meta.url)),
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
      : new LlamaCppTodoGenerator(
          models.llm!,
          host<LlamaTask, LlamaAnswer, LlamaProgress>('llama.cpp', new URL('./local/llama.worker.ts', import.meta.url)),
          { contextTokens: local.llmContextTokens, threads: local.threads, chunkSeconds: llm.chunkSeconds },
          log.child({ engine: 'llama.cpp' }),
        );

  // The probed length comes from the container and may lie; this bounds what extraction can write.
  const maxSeconds = config.ingest.maxMediaSeconds;
  return {
    transcriber,
    generator,
    extractAudio: (input, outPath, opts) => extractAudio(input, outPath, { ...opts, maxSeconds }),
    models,
    close: async () => {
      models.speech?.close();
      models.llm?.close();
      await Promise.all(hosts.map((h) => h.close()));
    },
  };
}
