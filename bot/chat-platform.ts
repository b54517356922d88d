import type { Core } from '../core/app.js';
import type { NotesService } from '../core/sessions/notes.service.js';
import type { SessionStatus, Session, SourceKind, Stage } from '../core/domain/session.js';
import type { SummaryDocument, TodosDocument } from '../core/domain/todos.js';

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
  /** The moment "overdue" is judged at; the clock when absent (tests set it). */
  now?: Date;
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
   * Re-renders the posted results in place (a todo was ticked somewhere, the notes regenerated); returns the
   * messages that show them now, as a regenerated list may need more or fewer of them.
   */
  updateResults(session: Session, view: ResultsView): Promise<string[]>;
}

/** What each platform's bot uses of the core. */
export type ChatBotDeps = Pick<Core, 'config' | 'log' | 'sessionService' | 'chatEventClaims'>;

/** What every platform's bot gets from the wiring. */
export interface BotOptions {
  /** The signed status-page link of a session, or null when LINK_SECRET is not set. */
  linkFor: (sessionId: string) => string | null;
  /** Saves ticks without losing concurrent ones (TodoService). */
  todos: { setCompleted(sessionId: string, todoId: string, completed: boolean, by: string): Promise<unknown> };
  /** Re-renders a session's posted results. */
  todosChanged: (sessionId: string) => Promise<void>;
  /** Regenerates a session's notes (the results message's Regenerate button). */
  notes: Pick<NotesService, 'regenerate'>;
}

export interface RunningBot {
  platform: ChatPlatform;
  stop(): Promise<void>;
}
