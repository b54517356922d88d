import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from './logger.js';

describe('scrubSecrets', () => {
  it.each([
    ['a status-page link', 'see https://notes.example.com/s/6f1c2a9e?t=Q2hhbmdlTWUtdGhpcy1pcy1hLXRva2Vu&follow=todos', 'see https://notes.example.com/s/6f1c2a9e?t=[redacted]&follow=todos'],
    ['a presigned S3 URL', 'GET http://minio:9000/v/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2025&X-Amz-Signature=ab12', 'GET http://minio:9000/v/a.mp4?X-Amz-Algorithm=[redacted]&X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]'],
    ['a link inside Slack markup, JSON-escaped', '{\\"text\\":\\"<http://x/s/1?t=abc_DEF-123|Open>\\"}', '{\\"text\\":\\"<http://x/s/1?t=[redacted]|Open>\\"}'],
    ['an Authorization header', '"authorization":"Bearer sk-live.abc/def=="', '"authorization":"Bearer [redacted]"'],
    ['Slack tokens', 'token xoxb-1234-5678-abcdEFGH and xapp-1-A0-99-ff', 'token [redacted] and [redacted]'],
    ['an OpenAI key', 'key sk-proj-AbCdEfGhIjKlMnOpQrSt', 'key [redacted]'],
    ['a Hugging Face token', 'HF_TOKEN=hf_abcdefghijklmnopqrstuv', 'HF_TOKEN=[redacted]'],
    ['a Discord bot token', 'Bot MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.abcdefghijklmnopqrstuvwxyz0123', 'Bot [redacted]'],
  ])('removes %s', (_what, text, scrubbed) => {
    expect(scrubSecrets(text)).toBe(scrubbed);
  });

  it('keeps everything else as it was', () => {
    const text = '{"level":30,"sessionId":"6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59","msg":"GET /s/6f1c2a9e?follow=todos 200 at=12:00 sk-short"}';
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('createLogger', () => {
  it('writes to the destination given, without the headers and request of a failed HTTP call', () => {
    const lines: string[] = [];
    const log = createLogger('debug', 'test', { write: (line: string) => void lines.push(line) });
    const err = Object.assign(new Error('Request failed with status code 500'), {
      config: { url: 'https://slack.com/api/chat.postMessage', headers: { Authorization: 'Bearer xoxb-secret-1' }, data: 'token=xoxb-secret-1' },
    });
    log.debug({ err, headers: { authorization: 'Bearer sk-secret' } }, 'posted to https://x/s/1?t=tok123');

    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { name: string; msg: string; err: { config: unknown; message: string }; headers: unknown };
    expect(line).toMatchObject({ name: 'test', msg: 'posted to https://x/s/1?t=[redacted]', err: { config: '[redacted]' }, headers: { authorization: '[redacted]' } });
    expect(lines[0]).not.toMatch(/secret|tok123/);
  });
});

describe('createLogger formats', () => {
  /** Every line written, to a stream that says whether it is a terminal. */
  function capture(isTTY: boolean) {
    const lines: string[] = [];
    return { lines, destination: { isTTY, write: (line: string) => void lines.push(line) } };
  }

  it('writes readable lines with the level and the message when pretty, secrets still removed', () => {
    const { lines, destination } = capture(false);
    const log = createLogger('info', 'test', destination, 'pretty');
    log.info({ sessionId: 's-1', slack: { token: 'xoxb-field-secret' } }, 'posted with key sk-proj-AbCdEfGhIjKlMnOpQrSt');

    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(lines[0]!) as unknown).toThrow();
    expect(lines[0]).toMatch(/INFO.*\(test\): posted with key \[redacted\]/);
    expect(lines[0]).toContain('sessionId: "s-1"');
    expect(lines[0]).not.toMatch(/xoxb-field-secret|sk-proj/);
  });

  it('writes one JSON object a line when json, even on a terminal', () => {
    const { lines, destination } = capture(true);
    createLogger('info', 'test', destination, 'json').info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, name: 'test', msg: 'hello' });
  });

  it.each([
    ['a terminal', 'readable lines', true],
    ['a pipe', 'JSON', false],
  ])('picks by the destination when auto: %s gets %s', (_where, _what, isTTY) => {
    const { lines, destination } = capture(isTTY);
    createLogger('info', 'test', destination, 'auto').info('hello');
    expect(lines[0]!.startsWith('{')).toBe(!isTTY);
    expect(lines[0]).toContain('hello');
  });
});
