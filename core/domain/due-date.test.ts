import { describe, expect, it } from 'vitest';
import { isoDayIn, isTimeZone, resolveDue, shortDate } from './due-date.js';

/** Wednesday 2 December 2026, midday UTC. */
const WEDNESDAY = new Date('2026-12-02T12:00:00Z');
const due = (phrase: string, at = WEDNESDAY, zone = 'UTC') => resolveDue(phrase, at, zone).date;

describe('resolveDue', () => {
  it('"by Friday" in a meeting on a Wednesday is that week\'s Friday, and the phrase is kept', () => {
    expect(resolveDue('by Friday', WEDNESDAY, 'UTC')).toEqual({ phrase: 'by Friday', date: '2026-12-04' });
  });

  it('reads the meeting day in the workspace zone: 23:30 UTC on a Wednesday is Thursday in Tokyo', () => {
    const lateWednesday = new Date('2026-12-02T23:30:00Z');
    expect(due('tomorrow', lateWednesday, 'UTC')).toBe('2026-12-03');
    expect(due('tomorrow', lateWednesday, 'Asia/Tokyo')).toBe('2026-12-04');
    expect(due('by Thursday', lateWednesday, 'Asia/Tokyo')).toBe('2026-12-10');
    expect(due('today', new Date('2026-12-03T02:00:00Z'), 'America/Los_Angeles')).toBe('2026-12-02');
  });

  it('a weekday is the next such day after the meeting day; named on that day it is a week later', () => {
    expect(due('Monday')).toBe('2026-12-07');
    expect(due('wed')).toBe('2026-12-09');
    expect(due('Thu.')).toBe('2026-12-03');
    expect(due('next Friday')).toBe('2026-12-04');
    expect(due('Friday', new Date('2026-12-04T09:00:00Z'))).toBe('2026-12-11');
  });

  it('today, EOD and tomorrow', () => {
    expect(due('today')).toBe('2026-12-02');
    expect(due('EOD')).toBe('2026-12-02');
    expect(due('by end of day')).toBe('2026-12-02');
    expect(due('Tomorrow')).toBe('2026-12-03');
  });

  it('end of week is the coming Friday; next week is the Friday of next week', () => {
    expect(due('end of the week')).toBe('2026-12-04');
    expect(due('EOW')).toBe('2026-12-04');
    expect(due('this week', new Date('2026-12-05T09:00:00Z'))).toBe('2026-12-11');
    expect(due('next week')).toBe('2026-12-11');
    expect(due('by the end of next week')).toBe('2026-12-11');
    expect(due('next week', new Date('2026-12-06T09:00:00Z'))).toBe('2026-12-11');
    expect(due('next week', new Date('2026-12-07T09:00:00Z'))).toBe('2026-12-18');
  });

  it('end of month is the last day of the meeting\'s month; next month the last day of the next', () => {
    expect(due('end of month')).toBe('2026-12-31');
    expect(due('by the end of the month', new Date('2027-02-10T09:00:00Z'))).toBe('2027-02-28');
    expect(due('EOM', new Date('2028-02-10T09:00:00Z'))).toBe('2028-02-29');
    expect(due('next month')).toBe('2027-01-31');
  });

  it('in N days or weeks, in digits or words', () => {
    expect(due('in 3 days')).toBe('2026-12-05');
    expect(due('in two weeks')).toBe('2026-12-16');
    expect(due('in a week')).toBe('2026-12-09');
    expect(due('in 30 days')).toBe('2027-01-01');
  });

  it('"on the 12th" is this month\'s when still ahead, else next month\'s; a day the month lacks stays a phrase', () => {
    expect(due('on the 12th')).toBe('2026-12-12');
    expect(due('the 2nd')).toBe('2026-12-02');
    expect(due('by the 1st')).toBe('2027-01-01');
    expect(due('the 31st', new Date('2027-04-05T09:00:00Z'))).toBeNull();
  });

  it('month and day, with or without a year; a date already past is next year\'s', () => {
    expect(due('December 15')).toBe('2026-12-15');
    expect(due('by Dec 15th')).toBe('2026-12-15');
    expect(due('15 December')).toBe('2026-12-15');
    expect(due('the 15th of December')).toBe('2026-12-15');
    expect(due('March 3')).toBe('2027-03-03');
    expect(due('March 3, 2026')).toBe('2026-03-03');
    expect(due('February 30')).toBeNull();
  });

  it('ISO dates are taken as written', () => {
    expect(due('2027-01-15')).toBe('2027-01-15');
    expect(due('by 2027-01-15')).toBe('2027-01-15');
    expect(due('2027-02-30')).toBeNull();
  });

  it('anything else stays a phrase', () => {
    for (const phrase of ['ASAP', 'soon', 'before the launch', 'constructor', 'in many days', 'Friday or Monday', '']) {
      expect(resolveDue(phrase, WEDNESDAY, 'UTC')).toEqual({ phrase, date: null });
    }
  });
});

describe('dates for display', () => {
  it('isoDayIn is the day in the zone', () => {
    expect(isoDayIn(new Date('2026-12-02T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-03');
  });

  it('shortDate names the weekday, and the year only when it is not the current one', () => {
    expect(shortDate('2026-12-04', 2026)).toBe('Fri 4 Dec');
    expect(shortDate('2027-01-15', 2026)).toBe('Fri 15 Jan 2027');
  });

  it('isTimeZone knows IANA names', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
