import { QUESTION_MAX, type Question } from '../../core/domain/question.js';
import { withSpeakerNames, type SpeakerNames } from '../../core/domain/speaker-name.js';
import { formatTimestamp } from '../../core/domain/transcript.js';
import { html, type SafeHtml } from './html.js';

/**
 * The "Questions" section (docs/architecture.md#questions): each question asked with its answer and the
 * moments it cites, linked to their transcript lines, and a box to ask another. Without JavaScript the box
 * posts and the page comes back with the answer.
 */
export function renderQuestions(questions: Question[], names: SpeakerNames, sessionId: string, token: string): SafeHtml {
  return html`<section id="questions" class="card" aria-labelledby="questions-title">
<h2 id="questions-title">Questions</h2>
${questions.length === 0 ? html`<p>Ask anything about this meeting: the answer comes from its transcript.</p>` : html`<ol class="questions">${questions.map((q) => renderQuestion(q, names))}</ol>`}
<form id="question-form" method="post" action="${`${sessionId}/questions?t=${encodeURIComponent(token)}`}">
<p><label for="question">Your question</label><br><textarea id="question" name="question" required maxlength="${QUESTION_MAX}" rows="2" placeholder="What did we decide about pricing?"></textarea></p>
<button type="submit">Ask</button>
</form>
</section>`;
}

function renderQuestion(q: Question, names: SpeakerNames): SafeHtml {
  const moments = q.citations.map((c) => html`<a class="ts" href="${`#seg-${c.segment}`}">${formatTimestamp(c.start)}</a>`);
  return html`<li class="question" id="${`question-${q.id}`}"><p class="asked"><strong>${q.question}</strong>${q.askedBy ? ` · ${q.askedBy}` : ''}</p>
<p class="answer">${withSpeakerNames(q.answer, names)}</p>${moments.length > 0 ? html`<p class="cited">From ${joinLinks(moments)}</p>` : null}</li>`;
}

function joinLinks(links: SafeHtml[]): SafeHtml[] {
  return links.flatMap((link, i) => (i === 0 ? [link] : [html`, `, link]));
}
