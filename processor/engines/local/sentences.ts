import type { WhisperSegment, WhisperWord } from './whisper.protocol.js';

/**
 * whisper.cpp gives word timings only when it cuts its output word by word (max_len 1), so the worker asks
 * for words and this puts them back into sentence-sized segments: a segment ends after sentence punctuation,
 * at a pause, or when it grows too long to cite as one line.
 */
const SENTENCE_END = /[.?!…。？！]["'”’)]*$/u;
const PAUSE_SECONDS = 1.0;
const MAX_SEGMENT_SECONDS = 30;
const MAX_SEGMENT_WORDS = 60;

/** `words` as whisper.cpp writes them: a word that follows a space starts with one (none in CJK scripts). */
export function wordsToSegments(words: readonly WhisperWord[]): WhisperSegment[] {
  const segments: WhisperSegment[] = [];
  let current: WhisperWord[] = [];
  const close = () => {
    if (current.length === 0) return;
    segments.push({
      start: current[0]!.start,
      end: current[current.length - 1]!.end,
      text: current.map((w) => w.word).join('').trim(),
      words: current.map((w) => ({ ...w, word: w.word.trim() })),
    });
    current = [];
  };
  for (const word of words) {
    const previous = current[current.length - 1];
    if (previous && (word.start - previous.end >= PAUSE_SECONDS || word.end - current[0]!.start > MAX_SEGMENT_SECONDS)) close();
    current.push(word);
    if (SENTENCE_END.test(word.word.trimEnd()) || current.length >= MAX_SEGMENT_WORDS) close();
  }
  close();
  return segments;
}
