import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { llmModel, speechModel } from './catalog.js';
import { ModelProvider, type ModelState } from './model-provider.js';

/** The model of each part that runs on a local engine; null where the part uses a remote service. */
export interface LocalModels {
  speech: ModelProvider | null;
  llm: ModelProvider | null;
}

/**
 * Both local engines' models, whichever engines are in use (`models pull` fetches them ahead). Throws
 * ConfigError when a LOCAL_*_MODEL value names nothing usable.
 */
export function configuredModels(config: Config, log: Logger): { speech: ModelProvider; llm: ModelProvider } {
  const modelLog = log.child({ component: 'models' });
  return { speech: new ModelProvider(speechModel(config.local), modelLog), llm: new ModelProvider(llmModel(config.local), modelLog) };
}

/** The models of the parts that run locally. */
export function localModels(config: Config, log: Logger): LocalModels {
  const models = configuredModels(config, log);
  return {
    speech: config.transcriber.engine === 'local' ? models.speech : null,
    llm: config.llm.engine === 'local' ? models.llm : null,
  };
}

/** `{ speech: 'present', llm: 'downloading' }` for /readyz: only the parts on local engines. */
export async function modelStates(models: LocalModels): Promise<Record<string, ModelState>> {
  const entries = await Promise.all(
    Object.entries(models)
      .filter((entry): entry is [string, ModelProvider] => entry[1] !== null)
      .map(async ([kind, provider]) => [kind, await provider.state()] as const),
  );
  return Object.fromEntries(entries);
}
