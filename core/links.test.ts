import { describe, expect, it } from 'vitest';
import { signSessionToken, statusPagePath, statusPageUrl, verifySessionToken } from './links.js';

const secret = 'a-link-secret-of-at-least-32-characters!';
const id = '6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59';

describe('capability links', () => {
  it('sign the session id: base64url HMAC-SHA256, stable, different per session and per secret', () => {
    const token = signSessionToken(id, secret);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signSessionToken(id, secret)).toBe(token);
    expect(signSessionToken('0b6f3a52-8e4f-4a8e-9d55-0d7a1f6c2b10', secret)).not.toBe(token);
    expect(signSessionToken(id, `${secret}x`)).not.toBe(token);
  });

  it('verify only the exact token of that session', () => {
    const token = signSessionToken(id, secret);
    expect(verifySessionToken(id, token, secret)).toBe(true);
    expect(verifySessionToken(id, undefined, secret)).toBe(false);
    expect(verifySessionToken(id, '', secret)).toBe(false);
    expect(verifySessionToken(id, token.slice(0, -1), secret)).toBe(false);
    expect(verifySessionToken(id, `${token}A`, secret)).toBe(false);
    expect(verifySessionToken(id, signSessionToken('0b6f3a52-8e4f-4a8e-9d55-0d7a1f6c2b10', secret), secret)).toBe(false);
    expect(verifySessionToken(id, 'é'.repeat(43), secret)).toBe(false);
  });

  it('build the status-page address under the public base, path prefix included', () => {
    const token = signSessionToken(id, secret);
    expect(statusPageUrl('https://notes.example.com', id, secret)).toBe(`https://notes.example.com/s/${id}?t=${token}`);
    expect(statusPageUrl('https://example.com/notes/', id, secret)).toBe(`https://example.com/notes/s/${id}?t=${token}`);
    expect(statusPageUrl('https://example.com/notes', id, secret)).toBe(`https://example.com/notes/s/${id}?t=${token}`);
    // The site's own pages link relative to its root, so a prefix needs no configuring.
    expect(statusPagePath(id, secret)).toBe(`s/${id}?t=${token}`);
  });
});
