// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${VAR} references are the input here
import { describe, expect, it, vi } from 'vitest';
import {
  maskSecretLine,
  renderDiagnosticsGithub,
  renderDiagnosticsHuman,
} from '../../src/report/diagnostics.js';
import { EXCERPT_WIDTH, excerpt } from '../../src/report/excerpt.js';
import { makeStyle } from '../../src/report/style.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';

const d = (over: Partial<Diagnostic>): Diagnostic => ({
  file: 'calls/a.yaml',
  line: 2,
  column: 5,
  path: '/calls/0/x',
  message: 'bad',
  severity: 'error',
  ...over,
});

describe('excerpt of a source line', () => {
  const at = (line: string, column: number, width?: number) => {
    const { text, caret } = excerpt(line, column, width);
    return `${text.slice(0, caret)}|${text.slice(caret)}`;
  };

  it('is the whole line when it fits', () => {
    expect(at('  - nmae: x', 5)).toBe('  - |nmae: x');
    expect(at('abc', 4)).toBe('abc|');
  });

  it('cuts a long line on the side(s) away from the column, marked with …', () => {
    const line = 'abcdefghijklmnopqrstuvwxyz';
    expect(at(line, 1, 10)).toBe('|abcdefghi…');
    expect(at(line, 26, 10)).toBe('…rstuvwxy|z');
    expect(at(line, 14, 10)).toBe('…hijklm|no…');
  });

  it('escapes unprintable characters and keeps the caret under the one the column names', () => {
    expect(at('a\u001b[2Jb', 2)).toBe('a|\\u001b[2Jb');
    expect(at('x\ty\u202ez', 4)).toBe('x→y|\\u202ez');
  });

  it('never splits a surrogate pair', () => {
    const line = `${'😀'.repeat(20)}x`;
    const { text } = excerpt(line, line.length, 11);
    expect(text).toBe(`…${'😀'.repeat(4)}x`);
  });
});

describe('human diagnostics', () => {
  it('prints file:line:column, the offending line and a caret under the column', () => {
    const text = 'calls:\n  - nmae: x\n';
    const out = renderDiagnosticsHuman(
      [d({ column: 5, message: 'unknown option `nmae`' })],
      () => text,
      makeStyle(false),
    );
    expect(out).toBe(
      'calls/a.yaml:2:5: error: unknown option `nmae`\n    2 |   - nmae: x\n      |     ^\n',
    );
  });

  it('orders by file, line, column and omits the source for whole-file problems', () => {
    const out = renderDiagnosticsHuman(
      [
        d({
          file: 'b.yaml',
          line: 0,
          column: 0,
          severity: 'warning',
          message: 'file has no calls',
        }),
        d({ line: 1, column: 1 }),
      ],
      () => undefined,
      makeStyle(false),
    );
    expect(out).toBe('b.yaml: warning: file has no calls\ncalls/a.yaml:1:1: error: bad\n');
  });

  it('shows a window of a long line around the column, the caret under its character', () => {
    const line = `{calls: [${'{name: c, timeout: 45}, '.repeat(100_000)}{name: z, timeout: 4x5}]}`;
    const column = line.indexOf('4x5') + 1;
    const out = renderDiagnosticsHuman(
      [d({ line: 1, column, message: 'must be an integer' })],
      () => `${line}\n`,
      makeStyle(false),
    );
    const [head, shown, caret] = out.split('\n');
    expect(head).toBe(`calls/a.yaml:1:${column}: error: must be an integer`);
    expect(out.length).toBeLessThan(400);
    expect(shown?.length).toBeLessThanOrEqual('    1 | '.length + EXCERPT_WIDTH);
    expect(shown).toMatch(
      /^ {4}1 \| ….*, \{name: c, timeout: 45\}, \{name: z, timeout: 4x5\}\]\}$/,
    );
    expect(shown?.slice(caret?.indexOf('^'))).toMatch(/^4x5\}\]\}$/);
  });

  it('masks a long line once however many diagnostics it holds, each shown as alone', () => {
    // A machine-written one-line file: every call with an error, and a password in each.
    const call = (i: number) => `{name: c${i}, bogus: 1, hook: "https://u:pw${i}@h.example"}`;
    const line = `{calls: [${Array.from({ length: 3000 }, (_, i) => call(i)).join(', ')}]}`;
    const diagnostics: Diagnostic[] = [];
    for (let at = line.indexOf('bogus'); at >= 0; at = line.indexOf('bogus', at + 1)) {
      diagnostics.push(d({ line: 1, column: at + 1, message: 'unknown option `bogus`' }));
    }
    // Each search of the line is a matchAll of it: a few for the line, not a few per diagnostic.
    const searches = vi.spyOn(String.prototype, 'matchAll');
    let out: string;
    try {
      out = renderDiagnosticsHuman(diagnostics, () => line, makeStyle(false));
      expect(searches.mock.calls.length).toBeLessThanOrEqual(10);
    } finally {
      searches.mockRestore();
    }
    const shown = out.split('\n');
    expect(shown).toHaveLength(3 * diagnostics.length + 1);
    expect(out).not.toContain('pw1');
    for (const i of [0, 1, 1500, 2999]) {
      const alone = renderDiagnosticsHuman(
        [diagnostics[i] as Diagnostic],
        () => line,
        makeStyle(false),
      );
      expect(shown.slice(3 * i, 3 * i + 3).join('\n')).toBe(alone.slice(0, -1));
    }
    expect(shown.slice(3 * 2999, 3 * 2999 + 3)).toEqual([
      `calls/a.yaml:1:${line.lastIndexOf('bogus') + 1}: error: unknown option \`bogus\``,
      '    1 | …ple"}, {name: c2998, bogus: 1, hook: "https://u:***@h.example"}, {name: c2999, bogus: 1, hook: "https://u:***@h.exampl…',
      `      | ${' '.repeat(80)}^`,
    ]);
  });

  it('never repeats a literal api_key from the source line', () => {
    const text = 'targets:\n  prod:\n    api_key: sk-live-12345\n';
    const out = renderDiagnosticsHuman(
      [d({ file: 'callops.yaml', line: 3, column: 14 })],
      () => text,
      makeStyle(false),
    );
    expect(out).not.toContain('sk-live-12345');
    expect(out).toContain('api_key: ***');
    expect(maskSecretLine('    api_key: ${VG_API_KEY}')).toBe('    api_key: ${VG_API_KEY}');
    expect(maskSecretLine('    "api_key": "abc"')).toBe('    "api_key": ***');
  });

  it('never repeats the password of a url written in the file, whatever points at the line', () => {
    const PW = 'Zq9SekritPgPw7741';
    const show = (line: string, column: number, path = '/state/url') => {
      const out = renderDiagnosticsHuman(
        [d({ file: 'callops.yaml', line: 1, column, path, severity: 'warning' })],
        () => line,
        makeStyle(false),
      );
      const [, source = '', caret = ''] = out.split('\n');
      // What the caret points at, from the column on.
      return source.slice(caret.indexOf('^'));
    };
    // The state url's warning (block style), as validate, plan, apply and status print it.
    expect(show(`  url: postgres://postgres:${PW}@127.0.0.1:33583/postgres`, 8)).toBe(
      'postgres://postgres:***@127.0.0.1:33583/postgres',
    );
    // Quoted, with a `password=` parameter, and with a password a URL cannot hold unescaped.
    expect(show(`  url: "postgres://ops:${PW}@db/ops"`, 8)).toBe('"postgres://ops:***@db/ops"');
    expect(show(`  url: postgres://ops@db/ops?sslmode=require&password=${PW}`, 8)).toBe(
      'postgres://ops@db/ops?sslmode=require&password=***',
    );
    expect(show(`  url: postgres://ops:a/${PW}@b@db/ops`, 8)).toBe('postgres://ops:***@db/ops');
    expect(show(`  url: "postgres://ops:my ${PW}@db/ops"`, 8)).toBe('"postgres://ops:***@db/ops"');
    // Another problem on the same flow-style line: hidden too, the caret still under it.
    const flow = `state: {backend: postgres, url: "postgres://ops:${PW}@db/ops", keep: 3x}`;
    expect(show(flow, flow.indexOf('3x') + 1, '/state/keep')).toBe('3x}');
    // A base_url with credentials, and a literal api_key beside it.
    const target = `  prod: {base_url: "https://u:${PW}@vg.example.com", api_key: ${PW}, rate: x}`;
    expect(show(target, target.indexOf('rate') + 1, '/targets/prod/rate')).toBe('rate: x}');
    for (const line of [flow, target]) {
      const out = renderDiagnosticsHuman([d({ line: 1, column: 1 })], () => line, makeStyle(false));
      expect(out).not.toContain(PW.slice(0, 6));
    }
    // A libpq keyword string (not a url: its own error points at it), quoted value or not.
    expect(show(`  url: "host=db port=5999 dbname=app password=${PW} sslmode=require"`, 8)).toBe(
      '"host=db port=5999 dbname=app password=*** sslmode=require"',
    );
    expect(show(`  url: host=db password = '${PW} x\\' y' dbname=app`, 8)).toBe(
      'host=db password = *** dbname=app',
    );
    expect(maskSecretLine('  note: mypassword=shown')).toBe('  note: mypassword=shown');
    // A url without a password is shown whole.
    expect(maskSecretLine('  url: postgres://ops@db:5432/ops')).toBe(
      '  url: postgres://ops@db:5432/ops',
    );
  });
});

describe('github annotations', () => {
  it('escapes properties and data as workflow commands require', () => {
    const out = renderDiagnosticsGithub([d({ file: 'a,b.yaml', message: 'rate 100%' })]);
    expect(out).toBe(
      '::error file=a%2Cb.yaml,line=2,col=5,title=callops%3A /calls/0/x::rate 100%25\n',
    );
  });

  it('shows what does not print escaped as human output does, once', () => {
    const out = renderDiagnosticsGithub([
      d({
        file: 'x\u001b[2J.yaml',
        message: 'bad \u001b[31mRED \u202eevil\u202c \u0085nel \u009bcsi\nfake \\u001b',
      }),
    ]);
    expect(out).toBe(
      '::error file=x\\u001b[2J.yaml,line=2,col=5,title=callops%3A /calls/0/x::' +
        'bad \\u001b[31mRED \\u202eevil\\u202c \\u0085nel \\u009bcsi\\nfake \\u001b\n',
    );
  });
});
