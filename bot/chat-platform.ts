import type { Core } from '../core/app.js';
import type { NotesService } from '../core/sessions/notes.service.js';
import type { SessionStatus, Session, SourceKind, Stage } from '../core/domain/session.js';
import type { SpeakerSample } from '../core/domain/speaker-members.js';
import type { SummaryDocument, TodosDocument } from '../core/domain/todos.js';
import type { TodoService } from '../core/todos/todo.service.js';
import type { SpeakerSuggestions } from '../core/sessions/speakers.service.js';

/** What a status message shows, whatever the platform. */
export interface StatusView {
  title: string;
  status: SessionStatus;
  stage: Stage;
  /** Where the recording came from, which names the upload stage ("Downloading" for a link); an upload when absent. */
  sourceKind?: SourceKind;
  percent: number;
  message: string;
  etaSeconds: number | null;
  error: { code: string; message: string } | null;
  /** The signed status-page link, when the web page is configured. */
  link: string | null;
  /** The session a Retry button starts again: set when it FAILED with its recording stored. */
  retry?: string | null;
}

export interface ResultsView {
  summary: SummaryDocument;
  todos: TodosDocument;
  /** Which version of the notes these are: 1 until someone regenerates them. */
  version: number;
  link: string | null;
  /** The chat member each todo's owner is linked to, by todo id: shown as a mention of them. */
  owners?: Readonly<Record<string, string>>;
  /** The "Who spoke?" message after the notes; absent when the transcript tells no speakers apart. */
  whoSpoke?: WhoSpokeView | null;
  /** The moment "overdue" is judged at; the clock when absent (tests set it). */
  now?: Date;
}

/** A person picks the member (or a suggested name) for each speaker (docs/architecture.md#chat). */
export interface WhoSpokeView {
  speakers: SpeakerSample[];
  suggestions: SpeakerSuggestions;
}

/**
 * A chat platform as the rest of the bot sees it. Each session's row says where its thread and status
 * message live (`origin`), so the platform needs nothing else to find them.
 */
export interface ChatPlatform {
  readonly platform: 'slack' | 'discord';
  /** Edits the session's status message in place. */
  updateStatus(session: Session, view: StatusView): Promise<void>;
  /** Posts the summary and todos in the session's thread; returns references to the messages posted. */
  postResults(session: Session, view: ResultsView): Promise<string[]>;
  /**
   * Re-renders the posted results in place (a todo was ticked, edited, added or removed somewhere, the notes
   * regenerated). Returns the refs of the messages now holding them: a list that grew past its messages gets
   * another one in the thread, one that shrank loses those it no longer needs.
   */
  updateResults(session: Session, view: ResultsView): Promise<string[]>;
  /** A member's name as their profile in the workspace shows it now, or null when unknown. */
  memberName(workspaceId: string | null, memberId: string): Promise<string | null>;
}

/**
 * Who is in the channel a session came from, as the chat platform reports it: the members of that channel
 * may change the session's notes (bot/may-change.ts, docs/architecture.md#chat). Answers are cached briefly.
 */
export interface ChannelMembers {
  readonly platform: ChatPlatform['platform'];
  /** True when the person (the platform's user id) is a member of the session's channel, `origin.channelId`. */
  isChannelMember(session: Session, userId: string): Promise<boolean>;
}

/** What each platform's bot uses of the core. */
export type ChatBotDeps = Pick<Core, 'config' | 'log' | 'sessionService' | 'chatEventClaims' | 'speakers' | 'questions'>;

/** What every platform's bot gets from the wiring. */
export interface BotOptions {
  /** The signed status-page link of a session, or null when LINK_SECRET is not set. */
  linkFor: (sessionId: string) => string | null;
  /** Ticks, edits, adds and removes todos without losing concurrent changes (TodoService). */
  todos: Pick<TodoService, 'list' | 'setCompleted' | 'edit' | 'add' | 'remove'>;
  /** Re-renders a session's posted results. */
  todosChanged: (sessionId: string) => Promise<void>;
  /** `/whisper speakers <id>`: makes sure the session's thread asks who spoke. */
  askWhoSpoke: (sessionId: string) => Promise<WhoSpokeOutcome>;
  /** Regenerates a session's notes (the results message's Regenerate button). */
  notes: Pick<NotesService, 'regenerate'>;
}

/** What `/whisper speakers <id>` found: the message posted now, already there, or why there is none. */
export type WhoSpokeOutcome = 'posted' | 'present' | 'not-found' | 'not-ready' | 'no-speakers' | 'elsewhere';

export interface RunningBot {
  platform: ChatPlatform;
  stop(): Promise<void>;
}
