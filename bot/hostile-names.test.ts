import { describe, expect, it } from 'vitest';
import { formatSession } from '../cli/format.js';
import { displayName } from '../core/domain/display-name.js';
import type { Session } from '../core/domain/session.js';
import { describeSession } from './commands.js';
import { statusMessage as discordStatus } from './discord/components/status-message.js';
import { discordLink, escapeMarkdown } from './discord/components/text.js';
import { clip } from '../core/domain/text.js';
import { receivingView } from './render.js';
import { statusMessage as slackStatus } from './slack/blocks/status-message.js';
import { escapeMrkdwn, mrkdwnText, slackLink } from './slack/blocks/text.js';

/** Names a person could give a dropped file, as they come out of cleaning. */
const MENTIONS = displayName('<!channel> <@U0ADMIN> & @everyone @here.mp4')!;
const MARKDOWN = displayName('**[Open the status page](evil.example)** ~~`x`~~ <@&123> <:pwn:1> #1 > q.mp4')!;

const session = (filename: string): Session =>
  ({ id: '6f1c2a8e-8a7b-4c55-9d7e-1c2b3a4d5e6f', filename, status: 'UPLOADING', stage: 'upload', percent: 0, createdAt: new Date('2026-11-26T09:00:00Z') }) as Session;

/** True when the text holds half a surrogate pair (it would not survive UTF-8). */
const broken = (text: string) => Buffer.from(text).toString() !== text;

describe('a file name in Slack', () => {
  it('is escaped in the status message, verbatim, so nothing in it links, mentions or pings', () => {
    const m = slackStatus(receivingView(MENTIONS));
    const title = m.blocks[0] as { text: { text: string; verbatim?: boolean } };
    expect(title.text).toEqual({ type: 'mrkdwn', text: '🎙️ *&lt;!channel&gt; &lt;@U0ADMIN&gt; &amp; @everyone @here.mp4*', verbatim: true });
    expect(m.text.startsWith('&lt;!channel&gt; &lt;@U0ADMIN&gt; &amp; @everyone')).toBe(true);
    expect(JSON.stringify(m)).not.toMatch(/<[!@#]/);
  });

  it('is escaped in command replies too', () => {
    const line = describeSession(session(MENTIONS), null, { formatLink: slackLink, escapeText: escapeMrkdwn });
    expect(line).toContain('&lt;!channel&gt; &lt;@U0ADMIN&gt; &amp; @everyone @here.mp4');
    expect(line).not.toMatch(/<[!@]/);
  });

  it('is clipped to Slack’s limits without cutting an escape or a character in half', () => {
    expect(mrkdwnText('a'.repeat(8) + '<<<', 12)).toBe('aaaaaaaa…');
    expect(mrkdwnText('a'.repeat(8) + '<<<', 13)).toBe('aaaaaaaa&lt;…');
    expect(broken(mrkdwnText('😀'.repeat(200), 200))).toBe(false);
    expect(mrkdwnText('😀'.repeat(200), 200).length).toBeLessThanOrEqual(200);
  });
});

describe('a file name in Discord', () => {
  it('shows as literal text: markdown, masked links, mentions and emoji escaped', () => {
    expect(escapeMarkdown(MARKDOWN)).toBe(
      '\\*\\*\\[Open the status page\\]\\(evil.example\\)\\*\\* \\~\\~\\`x\\`\\~\\~ \\<\\@&123\\> \\<\\:pwn\\:1\\> \\#1 \\> q.mp4',
    );
    const m = discordStatus(receivingView(MENTIONS));
    expect(m.content.split('\n')[0]).toBe('🎙️ **\\<!channel\\> \\<\\@U0ADMIN\\> & \\@everyone \\@here.mp4**');
    expect(m.allowed_mentions).toEqual({ parse: [] });
  });

  it('is escaped in command replies, while our own links stay links', () => {
    const line = describeSession(session(MARKDOWN), 'https://notes.example/s/x', { formatLink: discordLink, escapeText: escapeMarkdown });
    expect(line).toContain(escapeMarkdown(MARKDOWN));
    expect(line).toContain('[open](https://notes.example/s/x)');
  });
});

describe('clipping for chat limits', () => {
  it('never leaves half a surrogate pair', () => {
    const clipped = clip('😀'.repeat(120), 101);
    expect(broken(clipped)).toBe(false);
    expect(clipped.length).toBeLessThanOrEqual(101);
    expect(clipped.endsWith('😀…')).toBe(true);
  });
});

describe('a file name in the terminal', () => {
  it('cannot clear, recolour or rewrite the screen, even from a row stored before names were cleaned', () => {
    const out = formatSession(session('\u001b[2J\u001b[31mred\u001b[0m\rfake\u202Eline.mp4'), null);
    expect(out).toContain('File      red fakeline.mp4');
    expect(out.split('\n').filter((line) => /[\p{Cc}\p{Cf}]/u.test(line))).toEqual([]);
  });
});
