import { isAppError } from '../core/errors.js';
import { MODEL_LABELS, MODEL_VARIABLES } from '../core/models/catalog.js';
import { downloadMessage, type ModelProvider } from '../core/models/model-provider.js';
import type { CliIo } from './io.js';

/**
 * `models status` lists the local engines' models and whether each is on disk; `models pull` fetches the
 * missing ones now, so the first recording does not wait (or, on a machine without internet, shows what
 * to copy where).
 */
export async function modelsCommand(action: string, models: { speech: ModelProvider; llm: ModelProvider }, io: CliIo): Promise<number> {
  const all = [models.speech, models.llm];
  if (action === 'status') {
    for (const provider of all) {
      const { kind, name, path } = provider.model;
      io.out(`${kind.padEnd(6)} ${(await provider.state()).padEnd(11)} ${name} (${MODEL_VARIABLES[kind]}) → ${path}`);
    }
    return 0;
  }
  if (action !== 'pull') {
    io.err('Usage: whisper-notes models pull | status');
    return 2;
  }
  let failed = 0;
  for (const provider of all) {
    const { kind, path } = provider.model;
    let shown = -1;
    try {
      await provider.ensure((p) => {
        // A line per 10 %, not per packet.
        const step = p.percent === null ? -1 : Math.floor(p.percent / 10);
        if (step > shown) {
          shown = step;
          io.err(downloadMessage(MODEL_LABELS[kind], p));
        }
      });
      io.out(`${kind}: ${path}`);
    } catch (err) {
      if (!isAppError(err)) throw err;
      failed++;
      io.err(err.userMessage);
    }
  }
  return failed === 0 ? 0 : 1;
}
