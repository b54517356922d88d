/**
 * A recording's name comes from whoever shared it (an attachment name, a Content-Disposition header, a
 * path): it is cleaned once where it comes in, then only ever shown, escaped for each surface. Storage
 * never uses it: object keys are the session id and the sniffed extension.
 */

/** Longest name kept, in characters (code points); the sessions.filename column holds 255. */
export const MAX_DISPLAY_NAME = 150;

/** Terminal escape sequences as a whole (CSI `ESC [ … m`, OSC `ESC ] … BEL`), so no `[31m` is left behind. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]/g;
/** Line breaks and tabs of any kind read as a space. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Control characters, format characters (bidi overrides and isolates, zero-width marks) and lone surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu;
const EXTENSION = /\.[^.\s]{1,10}$/;

/** Text on one line with nothing invisible in it: no control, escape or bidi characters, spaces collapsed. */
export function singleLine(text: string): string {
  return text.normalize('NFC').replace(ANSI_SEQUENCE, '').replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/**
 * A meeting's title as shown: one clean line (slashes kept: "Q3/Q4 planning" is a title, not a path), at
 * most MAX_DISPLAY_NAME characters. Null when nothing is left.
 */
export function displayTitle(raw: string | null | undefined): string | null {
  const title = raw == null ? '' : singleLine(raw);
  if (!title) return null;
  const chars = Array.from(title);
  return chars.length <= MAX_DISPLAY_NAME ? title : `${chars.slice(0, MAX_DISPLAY_NAME - 1).join('').trimEnd()}…`;
}

/**
 * The name to show for a recording: one clean line, the base name only (no directories, whichever slash
 * they use), at most MAX_DISPLAY_NAME characters with the extension kept. Null when nothing is left.
 */
export function displayName(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const base = singleLine(raw)
    .split(/[/\\]/)
    .map((segment) => segment.trim())
    .filter(Boolean)
    .pop();
  if (!base || /^\.+$/.test(base)) return null;
  const chars = Array.from(base); // code points: a cut never splits a surrogate pair
  if (chars.length <= MAX_DISPLAY_NAME) return base;
  const ext = EXTENSION.exec(base)?.[0] ?? '';
  return `${chars.slice(0, MAX_DISPLAY_NAME - 1 - ext.length).join('').trimEnd()}…${ext}`;
}
