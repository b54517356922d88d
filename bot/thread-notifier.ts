import type { SessionsRepository } from '../core/db/sessions.repository.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { isFinal, type Session } from '../core/domain/session.js';
import { speakerSamples, todoMembers } from '../core/domain/speaker-members.js';
import { profileSpeakerName, withNamedSpeakers } from '../core/domain/speaker-name.js';
import type { Logger } from '../core/logger.js';
import type { ProgressBus } from '../core/progress/progress-bus.js';
import type { SessionResults } from '../core/sessions/session.service.js';
import type { SpeakersService } from '../core/sessions/speakers.service.js';
import type { TodoEvent } from '../core/todos/todo-events.js';
import type { ChatPlatform, ResultsView, WhoSpokeOutcome } from './chat-platform.js';
import { statusView } from './render.js';

export interface ThreadNotifierDeps {
  platforms: ChatPlatform[];
  sessions: SessionsRepository;
  bus: ProgressBus;
  results: (sessionId: string) => Promise<SessionResults>;
  /** Suggestions for the "Who spoke?" message, and linked members' names kept as their profiles say. */
  speakers: Pick<SpeakersService, 'suggestions' | 'refreshMemberNames'>;
  /** The signed status-page link of a session, or null when the page is not configured. */
  linkFor: (sessionId: string) => string | null;
  log: Logger;
  /** At most one edit per status message per interval (Slack and Discord both rate-limit edits). */
  minIntervalMs?: number;
  now?: () => number;
}

interface Pending {
  /** Newest event seen for the session (Redis' latest state wins when it is newer). */
  newest: ProgressEvent;
  lastEditAt: number;
  /** The edit that will cover events arriving now: scheduled, not started. */
  next: Promise<void> | null;
  /** The edit in progress. */
  running: Promise<void> | null;
}

/**
 * Progress events → one status message per session, edited in place. Edits are coalesced (a burst of
 * events becomes one edit showing the newest state) and throttled per message; a final state is flushed
 * at once. Each edit renders the newest known state, so replicas that share the stream can never move a
 * message backwards. Results are posted once per session, whichever replica sees the end.
 */
export class ThreadNotifier {
  private readonly pending = new Map<string, Pending>();
  private readonly rendering = new Map<string, Promise<void>>();
  /** The todos and speaker names last rendered per session, newest last. */
  private readonly shownTodos = new Map<string, string>();
  private readonly platforms: Map<string, ChatPlatform>;
  private readonly interval: number;
  private readonly now: () => number;

  constructor(private readonly deps: ThreadNotifierDeps) {
    this.platforms = new Map(deps.platforms.map((p) => [p.platform, p]));
    this.interval = deps.minIntervalMs ?? 1000;
    this.now = deps.now ?? Date.now;
  }

  /** Resolves once an edit showing this event (or a newer state) has landed. */
  handle(event: ProgressEvent): Promise<void> {
    const id = event.sessionId;
    let state = this.pending.get(id);
    if (!state) {
      state = { newest: event, lastEditAt: 0, next: null, running: null };
      this.pending.set(id, state);
    } else if (event.seq > state.newest.seq) {
      state.newest = event;
    }
    if (state.next) return state.next; // coalesced into the edit already scheduled
    const s = state;
    const next: Promise<void> = (s.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        const wait = isFinal(s.newest.status) ? 0 : s.lastEditAt + this.interval - this.now();
        return wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)) : undefined;
      })
      .then(() => {
        s.next = null;
        s.running = next;
        return this.flush(id, s);
      })
      .finally(() => {
        if (s.running === next) s.running = null;
        if (!s.running && !s.next && isFinal(s.newest.status)) this.pending.delete(id);
      });
    s.next = next;
    return next;
  }

  /**
   * A todo changed, speakers were named or the notes regenerated (in chat, on the page, in the CLI): re-render
   * the posted results, edited in place (a regenerated session reaching COMPLETED again posts nothing new).
   * A tick made in chat arrives twice (from the handler, and as a todo event), so a state already shown is
   * not rendered again.
   */
  todosChanged(sessionId: string): Promise<void> {
    // One re-render at a time per session, so the second of two announcements sees what the first showed.
    const previous = this.rendering.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.rerender(sessionId));
    this.rendering.set(sessionId, next);
    void next.finally(() => this.rendering.get(sessionId) === next && this.rendering.delete(sessionId)).catch(() => undefined);
    return next;
  }

  /**
   * A todo event read from the stream. Every kind but a new title changes what the results show; they show no
   * title (the status message shows the recording's name), so a rename reads and edits nothing.
   */
  todoEvent(event: TodoEvent): Promise<void> {
    return event.kind === 'title' ? Promise.resolve() : this.todosChanged(event.sessionId);
  }

  /**
   * `/whisper speakers <id>`: the thread of results posted before the "Who spoke?" message existed gets it
   * now (its ref joins the results', so re-renders keep it current); a thread that has it is left alone.
   */
  async askWhoSpoke(sessionId: string): Promise<WhoSpokeOutcome> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) return 'not-found';
    const platform = this.platforms.get(session.origin.platform);
    if (!platform) return 'elsewhere';
    if (session.resultsMessageRefs.length === 0) return 'not-ready'; // it comes with the results
    const { view } = await this.resultsView(session, platform);
    if (!view.whoSpoke) return 'no-speakers';
    // Re-rendering posts the messages the thread lacks, and returns the refs of all of them.
    const refs = await platform.updateResults(session, view);
    if (refs.length === session.resultsMessageRefs.length) return 'present';
    await this.deps.sessions.setResultsMessages(session.id, refs);
    return 'posted';
  }

  private async rerender(sessionId: string): Promise<void> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session || session.resultsMessageRefs.length === 0) return;
    const platform = this.platforms.get(session.origin.platform);
    if (!platform) return;
    const { view, shown } = await this.resultsView(session, platform);
    if (this.shownTodos.get(sessionId) === shown) return;
    const refs = await platform.updateResults(session, view);
    if (refs.join('\n') !== session.resultsMessageRefs.join('\n')) await this.deps.sessions.setResultsMessages(sessionId, refs);
    this.remember(sessionId, shown);
  }

  private remember(sessionId: string, shown: string): void {
    this.shownTodos.delete(sessionId);
    this.shownTodos.set(sessionId, shown);
    // Only recent sessions get ticked; the oldest entry goes first (Map keeps insertion order).
    if (this.shownTodos.size > 1000) this.shownTodos.delete(this.shownTodos.keys().next().value!);
  }

  private async flush(sessionId: string, state: Pending): Promise<void> {
    const session = await this.deps.sessions.get(sessionId);
    const platform = session && this.platforms.get(session.origin.platform);
    if (!session || !platform || !session.origin.statusMessageRef) return; // not ours, or deleted
    const latest = await this.deps.bus.latest(sessionId).catch(() => null);
    if (latest && latest.seq > state.newest.seq) state.newest = latest;
    const event = state.newest;
    await platform.updateStatus(session, statusView(session, event, this.deps.linkFor(sessionId)));
    state.lastEditAt = this.now();
    if (event.status === 'COMPLETED') await this.postResultsOnce(session, platform);
  }

  private async postResultsOnce(session: Session, platform: ChatPlatform): Promise<void> {
    const { sessions, log } = this.deps;
    if (!(await sessions.claimResultsPost(session.id))) return;
    try {
      const { view, shown } = await this.resultsView(session, platform);
      const refs = await platform.postResults(session, view);
      await sessions.setResultsMessages(session.id, refs);
      this.remember(session.id, shown);
    } catch (err) {
      await sessions.releaseResultsPost(session.id);
      log.warn({ err, sessionId: session.id }, 'results not posted; will retry');
      throw err;
    }
  }

  /**
   * The results as the messages show them (names applied, linked owners as mentions, the "Who spoke?"
   * message), and what of them changes: the version of the notes (regenerated notes may well tick the same
   * boxes), the todos (ticks, edits, additions, removals), names and links.
   */
  private async resultsView(session: Session, platform: ChatPlatform): Promise<{ view: ResultsView; shown: string }> {
    const { summary, todos, transcript, members, version, ...results } = await this.deps.results(session.id);
    if (!summary || !todos) throw new Error(`results of ${session.id} are not stored`);
    const speakers = await this.followProfiles(session, platform, results.speakers, members);
    const samples = transcript ? speakerSamples(transcript, speakers, members) : [];
    const view: ResultsView = {
      ...withNamedSpeakers(summary, todos, speakers),
      version,
      link: this.deps.linkFor(session.id),
      owners: todoMembers(todos, members),
      whoSpoke: samples.length > 0 ? { speakers: samples, suggestions: await this.deps.speakers.suggestions(session.id) } : null,
    };
    const todosShown = todos.todos.map((t) => [t.id, t.completed, t.task, t.assignee, t.due, t.due_date, t.priority]);
    return { view, shown: JSON.stringify([version, todosShown, speakers, members]) };
  }

  /**
   * Linked speakers' names as their chat profiles say now: a changed one is saved and announced (the
   * re-render that causes finds them unchanged, so it ends there). A profile that cannot be read keeps the name.
   */
  private async followProfiles(session: Session, platform: ChatPlatform, speakers: SessionResults['speakers'], members: SessionResults['members']): Promise<SessionResults['speakers']> {
    const profiles = await Promise.all(
      Object.entries(members).map(async ([label, memberId]) => {
        const name = await platform.memberName(session.origin.workspaceId, memberId).catch((err: unknown) => {
          this.deps.log.warn({ err, sessionId: session.id }, 'member profile not read; the name stays');
          return null;
        });
        // Compared as it would be saved, so a name that only differs in what saving cleans asks for nothing.
        const fresh = name && profileSpeakerName(name);
        return fresh && fresh !== speakers[label] ? [{ label, memberId, name: fresh }] : [];
      }),
    );
    const changed = profiles.flat();
    return changed.length > 0 ? this.deps.speakers.refreshMemberNames(session.id, changed) : speakers;
  }
}
