import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvText, readEnvFile } from '../../src/resolve/env-file.js';
import { makeFifo, releaseFifo, within } from '../support/fifo.js';
import { projectDirs } from '../support/project-dir.js';

/** Each problem as `line:column` and message (none when the text reads). */
const problems = (text: string): string[][] => {
  const r = parseEnvText(text);
  return 'problems' in r ? r.problems.map((p) => [`${p.line}:${p.column}`, p.message]) : [];
};

describe('parseEnvText', () => {
  it('reads variables, comments, blank lines, export and the three quotes', () => {
    const text = [
      '# a comment',
      '   # an indented one',
      '',
      '   ',
      '\t',
      'A=1',
      '  B = two words  ',
      'export C=3',
      'D=x # a comment after a blank',
      'E=a#b',
      'F="q # not a comment" # one',
      "G='single \\n stays'",
      'H="double\\nbreaks"',
      'I=`back`',
      'J=',
      'K=a=b',
      'L="across',
      'lines"',
      'A=last wins',
      'M=\'"inner"\'',
      "N=it's",
      '',
    ].join('\r\n');
    expect(parseEnvText(text)).toEqual({
      env: {
        A: 'last wins',
        B: 'two words',
        C: '3',
        D: 'x',
        E: 'a#b',
        F: 'q # not a comment',
        G: 'single \\n stays',
        H: 'double\nbreaks',
        I: 'back',
        J: '',
        K: 'a=b',
        L: 'across\nlines',
        M: '"inner"',
        N: "it's",
      },
    });
    expect(parseEnvText('\uFEFFA=1\n')).toEqual({ env: { A: '1' } });
  });

  it('refuses a line that is not a variable, at its line and column, keeping the others out', () => {
    const text = 'FROM=+15550001111\n# numbers for the test\nreal customer line\nTO=+15550002222\n';
    expect(problems(text)).toEqual([
      [
        '3:1',
        'not a variable: write NAME=value (NAME of letters, digits and _, not starting with a digit), or put # before a comment',
      ],
    ]);
    expect(problems('=novar\nA=1\n  B.C=2\n1X=3\nexport\n').map((p) => p[0])).toEqual([
      '1:1',
      '3:3',
      '4:1',
      '5:1',
    ]);
  });

  it('refuses an unclosed quote at the quote', () => {
    expect(problems('FROM="+15550001111\nTO=+15550002222\n')).toEqual([
      ['1:6', 'the value\'s opening " is never closed'],
    ]);
    // Closed only by another value's opening quote: still at the quote, and that line too.
    expect(problems("A='x\nB=1\nC='y' z\n")).toEqual([
      [
        '1:3',
        "the value's opening ' is closed only at 3:3, with text after it: close it on its own line",
      ],
      ['3:7', "text after the closing ': quote the whole value, or put # before a comment"],
    ]);
    expect(problems('A="x" trailing\n')).toEqual([
      ['1:7', 'text after the closing ": quote the whole value, or put # before a comment'],
    ]);
  });

  it('never quotes a line it refuses', () => {
    const secret = 'sk_live_0123456789abcdef';
    const text = `${secret}\nKEY="${secret}\nX="${secret}" ${secret}\n`;
    expect(JSON.stringify(parseEnvText(text))).not.toContain(secret);
  });
});

describe('readEnvFile', () => {
  const dirs = projectDirs('callops-env-');

  it('refuses a file over 4 MiB as an env file, at 1:1', async () => {
    const root = await dirs({ 'big.env': `# ${'x'.repeat(5 * 1024 * 1024)}\n` });
    expect(await readEnvFile(join(root, 'big.env'))).toEqual({
      error: 'file is 5.1 MiB; callops reads env files up to 4 MiB',
      line: 1,
      column: 1,
    });
  });

  it('refuses a FIFO at once and a directory, as not a regular file', async () => {
    const root = await dirs({});
    makeFifo(join(root, 'fifo.env'));
    try {
      const read = await within(readEnvFile(join(root, 'fifo.env')), 2000, 'still waiting');
      expect(read).toEqual({ error: 'is not a regular file' });
    } finally {
      releaseFifo(join(root, 'fifo.env'));
    }
    await mkdir(join(root, 'dir.env'));
    expect(await readEnvFile(join(root, 'dir.env'))).toEqual({ error: 'is not a regular file' });
  });
});
