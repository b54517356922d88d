import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import { publicSession } from '../../core/domain/exports/json.js';
import { meetingTitle } from '../../core/domain/exports/meeting.js';
import { withOwnerFromShown } from '../../core/domain/todo-edit.js';
import { notFoundJson } from '../not-found.js';
import { sessionParams, tokenQuery, versionQuery } from '../plugins/authorize.js';
import type { SessionState, SessionStates } from '../session-state.js';
import { todoFieldsSchema } from '../todo-input.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface SessionApiOptions {
  states: SessionStates;
  sessions: Pick<Core, 'sessionService' | 'todos' | 'speakers' | 'questions'>;
}

const todoId = z.string().min(1).max(64);
const todoParams = sessionParams.extend({ todoId: z.string() });
const completedBody = z.strictObject({ completed: z.boolean() });
/** An edit: the fields as the person left them and, to keep someone else's edit meanwhile, as they saw them. */
const editBody = todoFieldsSchema.strict().extend({ seen: todoFieldsSchema.strict().optional() });
const addBody = todoFieldsSchema.strict().required({ task: true });
const questionBody = z.strictObject({ question: z.string() });
const FIELDS = '"task", "assignee", "due" (text, or null for none) and "priority" ("high", "medium" or "low")';

/** `GET /api/sessions/:id` (what the page shows, as JSON) and ticking, editing, adding and removing todos from the page's script. */
export const sessionApiRoutes: FastifyPluginAsync<SessionApiOptions> = async (app, { states, sessions }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const authorized = app.authorize(notFoundJson);
  // A bad body is answered only once the token and the session are known: a deleted session answers as one
  // that never existed, whatever token comes with it; a todo id out of bounds is no todo. True when answered.
  const refused = async (request: { sessionId: string; validationError?: Error }, reply: FastifyReply, badBody: string, todo?: string): Promise<boolean> => {
    // Not awaited: a reply is thenable, and awaiting it would wait for the response to finish.
    if (!(await sessions.sessionService.get(request.sessionId))) void notFoundJson(reply);
    else if (request.validationError) void reply.code(400).send({ error: { code: 'BAD_REQUEST', message: badBody } });
    else if (todo !== undefined && !todoId.safeParse(todo).success) void notFoundJson(reply);
    else return false;
    return true;
  };

  // `?v=n`: an earlier version of the notes (404 VERSION_NOT_FOUND when there is none such).
  api.get('/api/sessions/:sessionId', { schema: { params: sessionParams, querystring: versionQuery }, preHandler: authorized }, async (request, reply) => {
    const state = await states.load(request.sessionId, request.query.v);
    if (!state) return notFoundJson(reply);
    return sessionJson(state);
  });

  api.patch(
    '/api/sessions/:sessionId/todos/:todoId',
    { schema: { params: todoParams, querystring: tokenQuery, body: completedBody }, attachValidation: true, preHandler: authorized },
    async (request, reply) => {
      if (await refused(request, reply, 'Send {"completed": true} or {"completed": false}.', request.params.todoId)) return reply;
      // A todo that cannot be ticked (not ready, not on the list) is a 404 with its sentence (web/http-errors.ts).
      const todo = await sessions.todos.service.setCompleted(request.sessionId, request.params.todoId, request.body.completed, null);
      return { todo };
    },
  );

  // An edit from the page's inline form. An owner typed as a speaker is shown is stored as the speaker's label;
  // a field someone else changed since `seen` is a 409 with the sentence saying what it now holds.
  api.put(
    '/api/sessions/:sessionId/todos/:todoId',
    { schema: { params: todoParams, querystring: tokenQuery, body: editBody }, attachValidation: true, preHandler: authorized },
    async (request, reply) => {
      if (await refused(request, reply, `Send the todo's ${FIELDS}, and "seen": the same fields as shown before the edit.`, request.params.todoId)) return reply;
      const { seen, ...patch } = request.body;
      const names = await sessions.speakers.names(request.sessionId);
      const todo = await sessions.todos.service.edit(request.sessionId, request.params.todoId, withOwnerFromShown(patch, names), null, seen && withOwnerFromShown(seen, names));
      return { todo };
    },
  );

  api.post(
    '/api/sessions/:sessionId/todos',
    { schema: { params: sessionParams, querystring: tokenQuery, body: addBody }, attachValidation: true, preHandler: authorized },
    async (request, reply) => {
      if (await refused(request, reply, `Send the new todo's ${FIELDS}; "task" is needed.`)) return reply;
      const fields = withOwnerFromShown(request.body, await sessions.speakers.names(request.sessionId));
      const todo = await sessions.todos.service.add(request.sessionId, { ...fields, task: request.body.task }, null);
      return reply.code(201).send({ todo });
    },
  );

  // A question about the meeting (docs/architecture.md#questions): 201 with the answer as stored; a refusal is
  // its code's status with the sentence (422 QUESTION_INVALID, 404 TRANSCRIPT_NOT_READY).
  api.post(
    '/api/sessions/:sessionId/questions',
    { schema: { params: sessionParams, querystring: tokenQuery, body: questionBody }, attachValidation: true, preHandler: authorized },
    async (request, reply) => {
      if (await refused(request, reply, 'Send {"question": "…"}.')) return reply;
      const question = await sessions.questions.ask(request.sessionId, request.body.question, null);
      return reply.code(201).send({ question });
    },
  );

  // Removed from the list, kept in the history (docs/architecture.md#todo-events).
  api.delete(
    '/api/sessions/:sessionId/todos/:todoId',
    { schema: { params: todoParams, querystring: tokenQuery }, preHandler: authorized },
    async (request, reply) => {
      if (await refused(request, reply, '', request.params.todoId)) return reply;
      const todo = await sessions.todos.service.remove(request.sessionId, request.params.todoId, null);
      return { todo };
    },
  );
};

/** The JSON of `/api/sessions/:id`. */
export type SessionJson = ReturnType<typeof sessionJson>;

/** What the page shows, without internal references (user, chat, paths). */
function sessionJson({ session: s, progress, results, media, questions }: SessionState) {
  return {
    session: publicSession(s),
    /** What the meeting is called (meetingTitle): the title a person gave, the proposed one, or the file name. */
    title: meetingTitle({ session: s, summary: results?.summary ?? null, todos: results?.todos ?? null }),
    progress,
    media,
    summary: results?.summary ?? null,
    todos: results?.todos ?? null,
    /** Names given to the speakers, by the label the todos' assignees and the transcript carry. */
    speakers: results?.speakers ?? {},
    transcript: results?.transcript ?? null,
    /** The version of the notes `summary` and `todos` are (null until they are written), and every version there is. */
    version: results?.version ?? null,
    versions: (results?.versions ?? []).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
    /** Questions asked about the meeting and their answers, oldest first. */
    questions: questions.map(({ sessionId: _, ...q }) => ({ ...q, askedAt: q.askedAt.toISOString() })),
  };
}
