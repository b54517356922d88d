import { randomUUID } from 'node:crypto';
import type { ResultsView } from '../../bot/chat-platform.js';
import { buildDocuments, type Priority } from '../../core/domain/todos.js';

/**
 * Results of a made-up meeting on Thursday 1 January 2026 (UTC) with `count` todos, as a platform is asked to
 * render them; `due` phrases are resolved from that day.
 */
export function resultsView(
  count: number,
  {
    task = (i: number) => `Task ${i + 1}`,
    summary = 'We planned the release.',
    priority = 'medium',
    due = () => null,
  }: { task?: (i: number) => string; summary?: string; priority?: Priority; due?: (i: number) => string | null } = {},
): { sessionId: string; view: ResultsView } {
  const sessionId = randomUUID();
  const { todos, summary: summaryDoc } = buildDocuments(
    sessionId,
    {
      summary,
      keyPoints: ['Demo on Friday'],
      decisions: ['Ship two fixes first'],
      todos: Array.from({ length: count }, (_, i) => ({
        task: task(i),
        priority,
        context: '',
        assignee: 'SPEAKER_01',
        due: due(i),
        segments: [i],
        timestamp: '00:00:05',
      })),
      estimatedTime: null,
    },
    new Date('2026-01-01T00:00:00Z'),
  );
  return { sessionId, view: { todos, summary: summaryDoc, version: 1, link: 'http://localhost:8080/s/abc?t=x' } };
}
