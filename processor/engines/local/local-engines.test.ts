import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../core/logger.js';
import { testConfig } from '../../../test/helpers/config.js';
import { localMeeting } from '../../../test/helpers/local-llm.js';
import { microLlamaModel } from '../../../test/helpers/models/local-models.js';
import { createEngines } from '../index.js';
import { createLocalEngines } from './local-engines.js';

const log = createLogger('silent');

describe('the local engines of one process', () => {
  it('give the processor’s notes the llama.cpp process the questions use (createCore’s), which outlives the processor and closes with the core', async () => {
    const config = testConfig({ LOCAL_LLM_MODEL: await microLlamaModel(), LOCAL_LLM_CONTEXT: '4096', LOCAL_THREADS: '1' });
    const local = createLocalEngines(config, log);
    const llm = local.llm!;
    try {
      expect(llm.settings).toEqual({ contextTokens: 4096, threads: 1, chunkSeconds: 1200 });
      expect(llm.host.loaded).toBe(false); // nothing starts before the first task
      const engines = await createEngines({ config, log, local });
      expect(engines.models).toBe(local.models);

      const runs = vi.spyOn(llm.host, 'run');
      await engines.generator.generate({ transcript: localMeeting(4), onProgress: () => {} });
      expect(runs).toHaveBeenCalledTimes(1);
      await engines.close!();
      expect(llm.host.loaded).toBe(true);
    } finally {
      await local.close();
    }
    expect(llm.host.loaded).toBe(false);
  }, 60_000);

  it('have no llama.cpp where the LLM is an OpenAI-compatible service', () => {
    const local = createLocalEngines(testConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }), log);
    expect(local.llm).toBeNull();
    expect(local.models.llm).toBeNull();
  });
});
