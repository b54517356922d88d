import { speakerName, withSpeakerNames, type SpeakerNames } from '../speaker-name.js';
import { handChange } from '../todo-edit.js';
import { droppedTodosSentence, shownDue, type TodosDocument } from '../todos.js';
import { formatTimestamp } from '../transcript.js';
import { meetingDay, meetingPeople, meetingTitle, type MeetingExport } from './meeting.js';

/** A place in the recording: `hh:mm:ss`, and the transcript segment it starts (the page's `#seg-{id}`). */
export interface Moment {
  label: string;
  segment: number;
}

export interface TodoItem {
  done: boolean;
  task: string;
  /** Priority, owner, due date, who ticked it, who edited or added it: as the page shows them. */
  details: string[];
  at: Moment | null;
  context: string;
}

export interface TranscriptLine {
  at: Moment;
  speaker: string | null;
  text: string;
}

/** The notes as the Markdown and text exports write them, names applied; what is in them is not escaped yet. */
export interface NotesView {
  title: string;
  day: string;
  /** `hh:mm:ss`, when the recording's length is known. */
  length: string | null;
  people: string[];
  summary: string[];
  keyPoints: string[];
  decisions: string[];
  todos: TodoItem[];
  /** How many todos were left out of the list, as a sentence. */
  dropped: string | null;
  speakerNote: string | null;
  transcript: TranscriptLine[];
}

/** The meeting's notes, read once for the exports that write them out (docs/architecture.md#exports). */
export function notesView(meeting: MeetingExport, now: Date): NotesView {
  const { session, transcript, speakers } = meeting;
  // Named as every surface names them (docs/architecture.md#stored-results); the documents keep the labels.
  const named = (text: string) => withSpeakerNames(text, speakers);
  const todosDoc = meeting.todos;
  const summary = named(meeting.summary?.summary ?? todosDoc?.summary ?? '');
  return {
    title: meetingTitle(meeting),
    day: meetingDay(meeting),
    length: session.durationSeconds ? formatTimestamp(session.durationSeconds) : null,
    people: meetingPeople(meeting),
    summary: summary.split(/\n{2,}/).filter((p) => p.trim() !== ''),
    keyPoints: (meeting.summary?.key_points ?? []).map(named),
    decisions: (meeting.summary?.decisions ?? []).map(named),
    todos: todosDoc ? todoItems(todosDoc, speakers, now) : [],
    dropped: todosDoc ? droppedTodosSentence(todosDoc) : null,
    speakerNote: transcript.speaker_note ?? null,
    transcript: transcript.segments.map((s) => ({
      at: { label: formatTimestamp(s.start), segment: s.id },
      speaker: s.speaker ? speakerName(s.speaker, speakers) : null,
      text: s.text,
    })),
  };
}

/** Each todo with what the page shows beside it, names applied. */
function todoItems(doc: TodosDocument, speakers: SpeakerNames, now: Date): TodoItem[] {
  const named = (text: string) => withSpeakerNames(text, speakers);
  return doc.todos.map((t) => {
    const due = shownDue(t, doc, now);
    const details = [
      t.priority,
      t.assignee ? `owner ${speakerName(t.assignee, speakers)}` : null,
      due ? `due ${due.text}${due.overdue ? ', overdue' : ''}` : null,
      t.completed ? (t.completed_by ? `ticked by ${t.completed_by}` : 'ticked') : null,
      handChange(t),
    ].filter((d) => d !== null);
    const at = t.timestamp !== null && t.segments.length > 0 ? { label: t.timestamp, segment: t.segments[0]! } : null;
    return { done: t.completed, task: named(t.task), details, at, context: named(t.context) };
  });
}
