import path from 'node:path';
import { ENGINE_SWITCHES, type Config, type InfrastructureEngines } from './config.js';

export interface EngineChoice {
  part: keyof InfrastructureEngines;
  engine: InfrastructureEngines[keyof InfrastructureEngines];
  /** Where its data is: a directory for an embedded engine, the server's host for a distributed one. */
  where: string;
  /** How to switch it: the variable, and what setting it does. */
  switch: string;
}

const EMBEDDED: InfrastructureEngines = { database: 'pglite', objects: 'local', queue: 'table', progress: 'memory' };

/** Only the host: a URL's credentials never reach the log. */
const hostOf = (url: string) => new URL(url).host;

/** What each part runs on, for the start-up log: which engine each part uses and which variable switches it. */
export function engineChoices(config: Config): EngineChoice[] {
  const { engines, dataDir } = config;
  const embedded = (part: keyof InfrastructureEngines) => engines[part] === EMBEDDED[part];
  const choice = (part: keyof InfrastructureEngines, where: string, real: string): EngineChoice => ({
    part,
    engine: engines[part],
    where,
    switch: embedded(part) ? `set ${ENGINE_SWITCHES[part]} to use ${real}` : `unset ${ENGINE_SWITCHES[part]} for the embedded engine`,
  });
  return [
    choice('database', embedded('database') ? path.resolve(dataDir, 'postgres') : hostOf(config.databaseUrl), 'PostgreSQL'),
    choice('objects', embedded('objects') ? path.resolve(dataDir, 'objects') : hostOf(config.s3.endpoint), 'S3 / MinIO'),
    choice('queue', embedded('queue') ? 'a job table in the database' : hostOf(config.amqp.url), 'RabbitMQ'),
    choice('progress', embedded('progress') ? 'in this process, latest state in the database' : hostOf(config.redis.url), 'Redis'),
  ];
}

export interface AiEngineChoice {
  part: 'transcriber' | 'llm';
  engine: string;
  model: string;
  /** The model file of a local engine, the service's host of a remote one. */
  where: string;
  switch: string;
}

const OPENAI_HOST = 'api.openai.com';

/** Which engine transcribes and which writes the notes, with the model and how to switch, for the start-up log. */
export function aiEngineChoices(config: Config, modelPaths: { speech?: string; llm?: string }): AiEngineChoice[] {
  const { transcriber, llm, local } = config;
  const openaiHost = llm.baseUrl ? hostOf(llm.baseUrl) : OPENAI_HOST;
  const speech: AiEngineChoice =
    transcriber.engine === 'local'
      ? {
          part: 'transcriber',
          engine: 'whisper.cpp',
          model: local.whisperModel,
          where: modelPaths.speech ?? local.modelsDir,
          switch: 'set WHISPERX_URL to use a WhisperX worker, or TRANSCRIBER=openai for an OpenAI-compatible endpoint',
        }
      : transcriber.engine === 'whisperx'
        ? { part: 'transcriber', engine: 'whisperx', model: transcriber.model ?? 'the worker’s', where: hostOf(transcriber.whisperxUrl), switch: 'unset WHISPERX_URL and TRANSCRIBER for the local whisper.cpp engine' }
        : { part: 'transcriber', engine: 'openai', model: transcriber.model ?? 'whisper-1', where: openaiHost, switch: 'unset TRANSCRIBER for the local whisper.cpp engine' };
  const notes: AiEngineChoice =
    llm.engine === 'local'
      ? {
          part: 'llm',
          engine: 'llama.cpp',
          model: local.llmModel,
          where: modelPaths.llm ?? local.modelsDir,
          switch: 'set OPENAI_BASE_URL or OPENAI_API_KEY to use an OpenAI-compatible LLM',
        }
      : { part: 'llm', engine: 'openai', model: llm.model, where: openaiHost, switch: 'unset OPENAI_BASE_URL and OPENAI_API_KEY for the local llama.cpp engine' };
  return [speech, notes];
}
