/**
 * A todo's free-text `due` ("by Friday", "end of month", "December 15") made a calendar date: resolved
 * against the day the meeting took place, in the workspace's time zone (docs/architecture.md#stored-results).
 *
 * Rules (English; the phrase tables below are where another language's words go):
 * - Filler words are ignored: "by", "on", "before", "until", "due", "the", "this", "of", commas.
 * - "today", "EOD", "end of day", "tonight" → the meeting day; "tomorrow" → the day after.
 * - A weekday ("Friday", "by Fri") → the next such day after the meeting day: said on a Wednesday, "Friday" is
 *   that week's Friday; said on a Friday it is the following Friday (nobody sets a deadline of "today" by
 *   naming the day). "next Friday" reads the same: people mean the coming one.
 * - "end of week", "EOW", "this week" → the coming Friday (the meeting day when it is a Friday; on a weekend,
 *   the Friday after).
 * - "next week", "end of next week" → the Friday of next week (weeks start on Monday): a deadline of "next
 *   week" is met if done by the end of its working days.
 * - "end of month", "EOM", "this month" → the last day of the meeting's month; "next month" → the last day of
 *   the next one.
 * - "in N days" / "in N weeks" (N in digits or one..twelve) → N days / 7·N days after the meeting day.
 * - "the 12th" → the 12th of the meeting's month if it is still ahead (or the meeting day), else of the next
 *   month; a day the month lacks (the 31st in April) is unresolved.
 * - "December 15", "15 December", "Dec 15th", with or without a year → that date; without a year, this year's
 *   if it is not before the meeting day, else next year's.
 * - ISO dates ("2026-12-15") → as written.
 * Anything else stays a phrase: `date` is null.
 */

export interface ResolvedDue {
  phrase: string;
  /** `YYYY-MM-DD` in the zone it was resolved in; null when the phrase names no date this module knows. */
  date: string | null;
}

/** A calendar day; month 1–12. Arithmetic runs on UTC midnights, which have no daylight-saving gaps. */
interface Day {
  year: number;
  month: number;
  day: number;
}

const WEEKDAYS: Record<string, number> = {
  sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3,
  thursday: 4, thu: 4, thur: 4, thurs: 4, friday: 5, fri: 5, saturday: 6, sat: 6,
};

const MONTHS: Record<string, number> = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6,
  july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9, october: 10, oct: 10,
  november: 11, nov: 11, december: 12, dec: 12,
};

const NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12,
};

const FILLER = new Set(['by', 'on', 'before', 'until', 'till', 'due', 'the', 'this', 'of', 'at', 'latest']);

const FRIDAY = 5;

/** `table[key]` when the table itself has it: "constructor" is no weekday. */
function lookup<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function comingFriday(d: Day): Day {
  return addDays(d, (FRIDAY - weekday(d) + 7) % 7);
}

/** Weeks start on Monday: said on a Sunday, next week starts the day after. */
function fridayOfNextWeek(d: Day): Day {
  const toNextMonday = (8 - weekday(d)) % 7 || 7;
  return addDays(d, toNextMonday + FRIDAY - 1);
}

/** Whole phrases (after filler is dropped) and the day each names. */
const FIXED: Record<string, (meeting: Day) => Day> = {
  today: (d) => d,
  tonight: (d) => d,
  eod: (d) => d,
  'end day': (d) => d,
  tomorrow: (d) => addDays(d, 1),
  eow: comingFriday,
  'end week': comingFriday,
  week: comingFriday,
  'next week': fridayOfNextWeek,
  'end next week': fridayOfNextWeek,
  eom: (d) => lastOfMonth(d.year, d.month),
  'end month': (d) => lastOfMonth(d.year, d.month),
  month: (d) => lastOfMonth(d.year, d.month),
  'next month': (d) => lastOfMonth(d.year, d.month + 1),
};

/** `phrase` as a date, seen from the meeting's day in `timeZone`. */
export function resolveDue(phrase: string, meetingInstant: Date, timeZone: string): ResolvedDue {
  return { phrase, date: resolveDay(phrase, localDay(meetingInstant, timeZone)) };
}

/** The calendar day `instant` falls on in `timeZone`, as `YYYY-MM-DD`. */
export function isoDayIn(instant: Date, timeZone: string): string {
  return iso(localDay(instant, timeZone));
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** "Fri 12 Dec" (with the year when it is not `currentYear`) for an ISO date. */
export function shortDate(isoDate: string, currentYear: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(year === currentYear ? {} : { year: 'numeric' }),
  });
  return format.format(new Date(Date.UTC(year, month - 1, day))).replace(',', '');
}

function resolveDay(phrase: string, meeting: Day): string | null {
  const isoMatch = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(phrase);
  if (isoMatch) return validDay(Number(isoMatch[1]), Number(isoMatch[2]), Number(isoMatch[3]));
  const words = phrase
    .toLowerCase()
    .replace(/[.,!]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !FILLER.has(w));
  const text = words.join(' ');
  const fixed = lookup(FIXED, text);
  if (fixed) return iso(fixed(meeting));
  // "next Friday" is the coming Friday, as "Friday" is.
  const named = words.length === 2 && words[0] === 'next' ? words[1]! : words.length === 1 ? words[0]! : '';
  const target = lookup(WEEKDAYS, named);
  if (target !== undefined) {
    const ahead = (target - weekday(meeting) + 7) % 7;
    return iso(addDays(meeting, ahead === 0 ? 7 : ahead));
  }
  return inSpan(words, meeting) ?? dayOfMonth(words, meeting) ?? monthAndDay(words, meeting);
}

/** "in 3 days", "in two weeks". */
function inSpan(words: string[], meeting: Day): string | null {
  const [first, count, unit] = words;
  if (words.length !== 3 || first !== 'in' || count === undefined || unit === undefined) return null;
  const n = /^\d+$/.test(count) ? Number(count) : lookup(NUMBERS, count);
  if (n === undefined) return null;
  if (unit === 'day' || unit === 'days') return iso(addDays(meeting, n));
  if (unit === 'week' || unit === 'weeks') return iso(addDays(meeting, 7 * n));
  return null;
}

/** "the 12th": this month's when still ahead, else next month's. */
function dayOfMonth(words: string[], meeting: Day): string | null {
  const day = words.length === 1 ? ordinal(words[0]!) : null;
  if (day === null) return null;
  if (day >= meeting.day) return validDay(meeting.year, meeting.month, day);
  return meeting.month === 12 ? validDay(meeting.year + 1, 1, day) : validDay(meeting.year, meeting.month + 1, day);
}

/** "December 15", "15 Dec 2026", "Dec 15th". */
function monthAndDay(words: string[], meeting: Day): string | null {
  if (words.length < 2 || words.length > 3) return null;
  const [a, b, yearWord] = words as [string, string, string | undefined];
  const month = lookup(MONTHS, a) ?? lookup(MONTHS, b);
  const day = lookup(MONTHS, a) !== undefined ? ordinal(b) : ordinal(a);
  if (month === undefined || day === null) return null;
  if (yearWord !== undefined) return /^\d{4}$/.test(yearWord) ? validDay(Number(yearWord), month, day) : null;
  const thisYear = validDay(meeting.year, month, day);
  return thisYear !== null && thisYear < iso(meeting) ? validDay(meeting.year + 1, month, day) : thisYear;
}

/** "12", "12th", "1st" → the number; null for anything else. */
function ordinal(word: string): number | null {
  const match = /^(\d{1,2})(st|nd|rd|th)?$/.exec(word);
  return match ? Number(match[1]) : null;
}

function localDay(instant: Date, timeZone: string): Day {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

function utc(d: Day): Date {
  return new Date(Date.UTC(d.year, d.month - 1, d.day));
}

function fromUtc(date: Date): Day {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function addDays(d: Day, days: number): Day {
  const date = utc(d);
  date.setUTCDate(date.getUTCDate() + days);
  return fromUtc(date);
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(d: Day): number {
  return utc(d).getUTCDay();
}

/** `month` may run past 12: Date.UTC carries it into the next year. */
function lastOfMonth(year: number, month: number): Day {
  return fromUtc(new Date(Date.UTC(year, month, 0)));
}

/** The ISO date, or null when the day does not exist (31 April). */
function validDay(year: number, month: number, day: number): string | null {
  const candidate = { year, month, day };
  const roundTrip = fromUtc(utc(candidate));
  return month >= 1 && month <= 12 && roundTrip.day === day && roundTrip.month === month ? iso(candidate) : null;
}

function iso(d: Day): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
