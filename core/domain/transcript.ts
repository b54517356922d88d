import { z } from 'zod';

/**
 * WhisperX output (whisperx v3.8 `__main__.py`, `alignment.py`, `diarize.py`), parsed defensively:
 * a word may carry only `word`; a segment that failed alignment has `words: []`; `speaker` is absent where no
 * diarization turn overlaps; numbers may arrive as null where Python wrote NaN.
 */
const time = z.number().finite().nullable().optional();

const wordSchema = z.object({
  word: z.string(),
  start: time,
  end: time,
  score: time,
  speaker: z.string().nullable().optional(),
});

const segmentSchema = z.object({
  start: z.number().finite(),
  end: z.number().finite(),
  text: z.string(),
  words: z.array(wordSchema).nullable().optional(),
  avg_logprob: time,
  speaker: z.string().nullable().optional(),
});

export const whisperxResultSchema = z.object({
  segments: z.array(segmentSchema),
  word_segments: z.array(wordSchema).nullable().optional(),
  language: z.string().nullable().optional(),
});

export type WhisperxResult = z.infer<typeof whisperxResultSchema>;

export interface Word {
  word: string;
  start?: number;
  end?: number;
  score?: number;
  speaker?: string;
}

export interface Segment {
  /** Position in the transcript; todos cite segments by this id. */
  id: number;
  start: number;
  end: number;
  text: string;
  words: Word[];
  speaker?: string;
  avg_logprob?: number;
}

/** `transcripts/{id}/transcript.json`: WhisperX's shape plus what we know about the run. */
export interface StoredTranscript {
  session_id: string;
  generated_at: string;
  engine: string;
  model: string | null;
  duration: number;
  language: string;
  /** Why no segment names a speaker, when the engine cannot tell them apart. */
  speaker_note?: string;
  segments: Segment[];
  word_segments: Word[];
}

const storedWordSchema = z.object({
  word: z.string(),
  start: z.number().optional(),
  end: z.number().optional(),
  score: z.number().optional(),
  speaker: z.string().optional(),
});

/** Reads a stored transcript back (a resumed job, the todos stage, the web page). */
export const storedTranscriptSchema: z.ZodType<StoredTranscript> = z.object({
  session_id: z.string(),
  generated_at: z.string(),
  engine: z.string(),
  model: z.string().nullable(),
  duration: z.number(),
  language: z.string(),
  speaker_note: z.string().optional(),
  segments: z.array(
    z.object({
      id: z.number().int(),
      start: z.number(),
      end: z.number(),
      text: z.string(),
      words: z.array(storedWordSchema),
      speaker: z.string().optional(),
      avg_logprob: z.number().optional(),
    }),
  ),
  word_segments: z.array(storedWordSchema),
});

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function normaliseWord(w: z.infer<typeof wordSchema>): Word {
  const out: Word = { word: w.word };
  if (w.start != null) out.start = round3(w.start);
  if (w.end != null) out.end = round3(w.end);
  if (w.score != null) out.score = round3(w.score);
  if (w.speaker) out.speaker = w.speaker;
  return out;
}

/**
 * Text with a letter or a digit in it. WhisperX ends some recordings with a segment of only punctuation
 * (" ¿") where alignment failed; such a segment, like one of symbols or spaces, is no speech.
 */
const SAYS_SOMETHING = /[\p{L}\p{N}]/u;

/** Turns engine output into the stored transcript: ids added, times rounded, sorted, segments without words dropped. */
export function normaliseTranscript(
  raw: WhisperxResult,
  meta: { sessionId: string; engine: string; model: string | null; duration: number; language: string | null; now: Date; speakerNote?: string },
): StoredTranscript {
  const segments = raw.segments
    .filter((s) => SAYS_SOMETHING.test(s.text))
    .sort((a, b) => a.start - b.start)
    .map((s, id): Segment => {
      const seg: Segment = {
        id,
        start: round3(s.start),
        end: round3(s.end),
        text: s.text.trim(),
        words: (s.words ?? []).map(normaliseWord),
      };
      if (s.speaker) seg.speaker = s.speaker;
      if (s.avg_logprob != null) seg.avg_logprob = s.avg_logprob;
      return seg;
    });
  const wordSegments = raw.word_segments ? raw.word_segments.map(normaliseWord) : segments.flatMap((s) => s.words);
  return {
    session_id: meta.sessionId,
    generated_at: meta.now.toISOString(),
    engine: meta.engine,
    model: meta.model,
    duration: round3(meta.duration),
    language: meta.language ?? raw.language ?? 'und',
    ...(meta.speakerNote && { speaker_note: meta.speakerNote }),
    segments,
    word_segments: wordSegments,
  };
}

/** `hh:mm:ss` as todos.json writes timestamps. */
export function formatTimestamp(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

/**
 * JSON.parse that also accepts the NaN / Infinity tokens Python's json module writes by default,
 * turning them into null. Tokens inside strings are left alone.
 */
export function parsePythonJson(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const rest = text.slice(i, i + 9);
    const token = /^(NaN|-Infinity|Infinity)/.exec(rest)?.[1];
    if (token) {
      out += 'null';
      i += token.length - 1;
      continue;
    }
    out += ch;
  }
  return JSON.parse(out);
}
