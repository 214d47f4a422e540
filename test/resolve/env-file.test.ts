import { describe, expect, it } from 'vitest';
import { parseEnvText } from '../../src/resolve/env-file.js';

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
