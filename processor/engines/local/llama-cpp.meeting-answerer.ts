import type { Logger } from '../../../core/logger.js';
import type { ModelProvider } from '../../../core/models/model-provider.js';
import { answerFromMeeting, type AnswerRequest, type MeetingAnswer, type MeetingAnswerer } from '../meeting-answerer.js';
import { answerSchema } from '../question-prompt.js';
import { llamaAsker, llamaChunkLimits, type LlamaHost, type LlamaSettings, type LlamaWork } from './llama-ask.js';
import { answerGrammarSchema } from './notes-grammar.js';

const ANSWER_WORK: LlamaWork = { doing: 'answering the question', unusable: 'a usable answer' };

/**
 * Questions answered by the local GGUF model (llama.cpp in its own process), map/reduce as with any LLM
 * (answerFromMeeting): each answer is generated under the answer's JSON-schema grammar, citing only the
 * lines of the part asked (merging: those the parts cited), then checked like a remote model's answer.
 */
export class LlamaCppMeetingAnswerer implements MeetingAnswerer {
  constructor(
    private readonly model: ModelProvider,
    private readonly host: LlamaHost,
    private readonly settings: LlamaSettings,
    private readonly log: Logger,
  ) {}

  async answer({ transcript, question, signal }: AnswerRequest): Promise<MeetingAnswer> {
    // A person is waiting: a model still downloading (or never fetched) is refused, never fetched from here.
    const modelPath = await this.model.present();
    const ask = llamaAsker({ host: this.host, settings: this.settings, work: ANSWER_WORK, modelPath, log: this.log, signal });
    return answerFromMeeting(transcript, question, llamaChunkLimits(this.settings), {
      part: (prompt, chunk) => ask(prompt, answerGrammarSchema(chunk.segments.map((s) => s.id)), answerSchema),
      merge: (prompt, cited) => ask(prompt, answerGrammarSchema(cited), answerSchema),
    });
  }
}
