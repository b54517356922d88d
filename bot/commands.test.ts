import { describe, expect, it } from 'vitest';
import { parseWhisperCommand } from './commands.js';
import { mayNotChange } from './may-change.js';

const id = '6f1c2a8e-8a7b-4c55-9d7e-1c2b3a4d5e6f';

describe('/whisper parsing', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  LIST ', { kind: 'list' }],
    [`status ${id}`, { kind: 'status', sessionId: id }],
    [`delete ${id.toUpperCase()}`, { kind: 'delete', sessionId: id }],
    [`cancel ${id}`, { kind: 'cancel', sessionId: id }],
    [`retry ${id}`, { kind: 'retry', sessionId: id }],
    [`speakers ${id}`, { kind: 'speakers', sessionId: id }],
    [`ask ${id} what did we  decide about pricing?`, { kind: 'ask', sessionId: id, question: 'what did we decide about pricing?' }],
    [`ask ${id}`, { kind: 'ask', sessionId: id, question: '' }],
    ['Search  "pricing page" -beta (old)&|! ', { kind: 'search', query: '"pricing page" -beta (old)&|!' }],
    ['search', { kind: 'search', query: '' }], // refused by the search itself, with its sentence
    [`rename ${id}  Q3/Q4   planning `, { kind: 'rename', sessionId: id, title: 'Q3/Q4 planning' }],
    ['https://example.com/standup.mp4', { kind: 'link', url: 'https://example.com/standup.mp4' }],
    ['<https://example.com/a.mp4>', { kind: 'link', url: 'https://example.com/a.mp4' }],
    ['<https://example.com/a.mp4|a.mp4>', { kind: 'link', url: 'https://example.com/a.mp4' }],
  ])('%j', (text, expected) => {
    expect(parseWhisperCommand(text)).toEqual(expected);
  });

  it.each([
    ['status', /status <id>/],
    ['delete not-an-id', /delete <id>/],
    ['cancel', /cancel <id>/],
    ['retry', /retry <id>/],
    ['speakers', /speakers <id>/],
    ['ask what did we decide?', /ask <id> <question>/],
    ['list extra', /no arguments/],
    [`rename ${id}`, /rename <id> <title>/],
    ['rename Budget review', /rename <id> <title>/],
    ['ftp://example.com/a.mp4', /don't know/],
    ['transcribe please', /don't know `transcribe`/],
    ['https://a.example/1.mp4 https://a.example/2.mp4', /one link/],
  ])('refuses %j with a reason', (text, reason) => {
    const cmd = parseWhisperCommand(text);
    expect(cmd.kind).toBe('invalid');
    expect(cmd.kind === 'invalid' && cmd.reason).toMatch(reason);
  });
});

describe('the refusal to change a recording', () => {
  it('names the channel whose members may, as a mention both platforms render', () => {
    const origin = { platform: 'slack' as const, workspaceId: 'T1', channelId: 'C0TEAM', threadRef: '1.0', statusMessageRef: null };
    expect(mayNotChange({ origin })).toBe('Only the person who shared this recording and the members of <#C0TEAM> can change its notes.');
    expect(mayNotChange({ origin: { ...origin, platform: 'cli', channelId: null } })).toBe(
      'Only the person who shared this recording and the members of its channel can change its notes.',
    );
  });
});
