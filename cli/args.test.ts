import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './args.js';

const errorOf = (argv: string[]) => {
  const parsed = parseCliArgs(argv);
  return 'error' in parsed ? parsed.error : null;
};
const optionsOf = (argv: string[]) => {
  const parsed = parseCliArgs(argv);
  if (!('command' in parsed) || parsed.command.name !== 'submit') throw new Error(`not a submit: ${JSON.stringify(parsed)}`);
  return parsed.command.options;
};

describe('reading the command line', () => {
  it('`help`, `--help` and `-h` ask for the usage, whatever else is on the line', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['submit', 'x.mp4', '-h']]) expect(parseCliArgs(argv)).toEqual({ help: true });
  });

  it('names an unknown or misspelt option, and the option meant when it is a slip', () => {
    expect(errorOf(['submit', 'x.mp4', '--wiat'])).toBe('Unknown option --wiat. Did you mean --wait?');
    expect(errorOf(['status', 'id', '--jsno'])).toBe('Unknown option --jsno. Did you mean --json?');
    expect(errorOf(['submit', 'x.mp4', '--frobnicate'])).toBe('Unknown option --frobnicate.');
    expect(errorOf(['submit', 'x.mp4', '-x'])).toBe('Unknown option -x.');
  });

  it('names an unknown command and a missing or extra argument in a sentence', () => {
    expect(errorOf(['stauts', 'id'])).toBe('Unknown command "stauts". Did you mean status?');
    expect(errorOf([])).toBe('No command given.');
    expect(errorOf(['status'])).toBe('"status" takes one argument, got 0.');
    expect(errorOf(['cancel', 'a', 'b'])).toBe('"cancel" takes one argument, got 2.');
    expect(errorOf(['submit', 'x.mp4', '--language'])).toMatch(/^Option '--language <value>' argument missing/);
  });

  it('takes a language as an ISO 639-1 code or its English name, in any case, and refuses anything else', () => {
    expect(optionsOf(['submit', 'x.mp4', '--language', 'english']).language).toBe('en');
    expect(optionsOf(['submit', 'x.mp4', '--language', 'German']).language).toBe('de');
    expect(optionsOf(['submit', 'x.mp4', '--language', 'FR']).language).toBe('fr');
    expect(optionsOf(['submit', 'x.mp4']).language).toBeNull();
    for (const bad of ['klingon', 'en-US', 'xx', '']) {
      expect(errorOf(['submit', 'x.mp4', '--language', bad])).toBe(
        `--language "${bad}" is not a language we know: give an ISO 639-1 code such as en or de, or a name such as English.`,
      );
    }
  });

  it('takes speaker counts as whole numbers of at least 1, the least no more than the most', () => {
    expect(optionsOf(['submit', 'x.mp4', '--min-speakers', '2', '--max-speakers', '4'])).toMatchObject({ minSpeakers: 2, maxSpeakers: 4 });
    expect(errorOf(['submit', 'x.mp4', '--min-speakers', 'abc'])).toBe('--min-speakers must be a whole number of at least 1, not "abc".');
    expect(errorOf(['submit', 'x.mp4', '--max-speakers', '0'])).toBe('--max-speakers must be a whole number of at least 1, not "0".');
    expect(errorOf(['submit', 'x.mp4', '--max-speakers', '2.5'])).toMatch(/^--max-speakers must be a whole number/);
    expect(errorOf(['submit', 'x.mp4', '--min-speakers', '5', '--max-speakers', '3'])).toBe('--min-speakers (5) is more than --max-speakers (3).');
  });

  it('reads `speakers <id>` with the names to give (an empty one clears), and refuses what is not a naming', () => {
    expect(parseCliArgs(['speakers', 'id', 'SPEAKER_01=Maria José', 'SPEAKER_02='])).toEqual({
      command: { name: 'speakers', id: 'id', names: { SPEAKER_01: 'Maria José', SPEAKER_02: null }, json: false },
    });
    expect(parseCliArgs(['speakers', 'id', '--json'])).toEqual({ command: { name: 'speakers', id: 'id', names: {}, json: true } });
    expect(errorOf(['speakers', 'id', 'Maria'])).toBe('"Maria" is not a naming: write the label, an equals sign and the name, as in SPEAKER_01=Maria.');
    expect(errorOf(['status', 'id', 'SPEAKER_01=Maria'])).toBe('"status" takes one argument, got 2.');
  });

  it('reads `todo <session-id> edit|add|remove|history`, refusing what it cannot run before anything is touched', () => {
    expect(parseCliArgs(['todo', 's', 'edit', '3', '--text', 'Call Ben', '--owner', '', '--priority', 'low'])).toEqual({
      command: { name: 'todo', id: 's', json: false, action: 'edit', todoId: '3', patch: { task: 'Call Ben', assignee: '', priority: 'low' } },
    });
    expect(parseCliArgs(['todo', 's', 'add', 'Call', 'Ben', '--due', 'Friday'])).toEqual({
      command: { name: 'todo', id: 's', json: false, action: 'add', fields: { task: 'Call Ben', due: 'Friday' } },
    });
    expect(parseCliArgs(['todo', 's', 'remove', '3'])).toEqual({ command: { name: 'todo', id: 's', json: false, action: 'remove', todoId: '3' } });
    expect(parseCliArgs(['todo', 's', 'history', '--json'])).toEqual({ command: { name: 'todo', id: 's', json: true, action: 'history' } });
    expect(errorOf(['todo', 's', 'edit', '3'])).toBe('Say what to change: --text, --owner, --due or --priority.');
    expect(errorOf(['todo', 's', 'edit', '3', '--priority', 'urgent'])).toBe('--priority is one of high, medium, low, not "urgent".');
    expect(errorOf(['todo', 's', 'add'])).toBe('Give the new todo\'s text after "add".');
    expect(errorOf(['todo', 's', 'remove'])).toBe('"todo ... remove" takes one todo id, got 0.');
    expect(errorOf(['todo', 's'])).toMatch(/^"todo" needs what to do: write edit <todo-id>, add <text>, remove <todo-id> or history/);
  });
});
