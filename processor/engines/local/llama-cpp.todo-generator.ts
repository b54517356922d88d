import type { MeetingNotes } from '../../../core/domain/todos.js';
import { AppError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { downloadMessage, type ModelProvider } from '../../../core/models/model-provider.js';
import { MODEL_LABELS } from '../../../core/models/catalog.js';
import { writeMeetingNotes } from '../meeting-notes.js';
import { notesAnswerSchema, overviewAnswerSchema, withOnlyRealCitations } from '../meeting-prompt.js';
import type { TodoGenerator, TodoRequest } from '../todo-generator.js';
import { llamaAsker, llamaChunkLimits, type LlamaHost, type LlamaSettings, type LlamaWork } from './llama-ask.js';
import { notesGrammarSchema, overviewGrammarSchema } from './notes-grammar.js';

const NOTES_WORK: LlamaWork = { doing: 'writing the notes', unusable: 'usable notes, so no todo list was made' };

/**
 * Meeting notes from a local GGUF model (llama.cpp in its own process): each answer is generated under the
 * notes' JSON-schema grammar, then checked like a remote model's answer; long meetings are mapped in parts
 * that fit the context window and reduced (writeMeetingNotes).
 */
export class LlamaCppTodoGenerator implements TodoGenerator {
  constructor(
    private readonly model: ModelProvider,
    private readonly host: LlamaHost,
    private readonly options: LlamaSettings,
    private readonly log: Logger,
  ) {}

  async generate({ sessionId, transcript, instruction = null, model = null, onProgress, signal }: TodoRequest): Promise<MeetingNotes> {
    const log = this.log.child({ sessionId });
    // One model is loaded, the one LOCAL_LLM_MODEL names: another is not fetched for one meeting.
    if (model !== null && model !== this.model.model.name) {
      throw new AppError(
        'MODEL_UNAVAILABLE',
        `This server writes notes with its local model "${this.model.model.name}" (LOCAL_LLM_MODEL) and cannot use "${model}". ` +
          'Regenerate without a model, or ask an administrator to configure that one.',
      );
    }
    const modelPath = await this.model.ensure((p) => onProgress(0, downloadMessage(MODEL_LABELS.llm, p)), signal);
    onProgress(0, 'Writing the summary and todos');
    const ask = llamaAsker({ host: this.host, settings: this.options, work: NOTES_WORK, modelPath, log, signal });
    return writeMeetingNotes(
      transcript,
      llamaChunkLimits(this.options),
      {
        notes: async (prompt, chunk) => withOnlyRealCitations(await ask(prompt, notesGrammarSchema(chunk.segments.map((s) => s.id)), notesAnswerSchema), chunk),
        overview: (prompt) => ask(prompt, overviewGrammarSchema(), overviewAnswerSchema),
      },
      (percent) => onProgress(percent),
      instruction,
    );
  }
}
