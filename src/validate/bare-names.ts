/**
 * A shell-style `$NAME` (no braces) is text to callops: `from: $FROM` sends the five
 * characters `$FROM`. Only a `$` followed by a name as the environment has them ([A-Za-z_]
 * then [A-Za-z0-9_]) counts: `$5` (a price), `${…}`, and a `$` after another `$` (`$${`
 * writes a literal `${`; `$$NAME` and `$$$NAME` are written so on purpose) do not. A `$NAME` in a fallback
 * (`${A:-$B}`) is text too. The words said of one live here too: the schema's messages
 * (schema-errors.ts) and the call rule (bare-references.ts) use them alike.
 */
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The names of the `$NAME`s of `text` (each once, in order), as the module comment says. */
export const bareNames = (text: string): string[] => {
  const names: string[] = [];
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    // A `$` after another `$` (in `$$HOME`, `$$$HOME`, `$${`) is written so on purpose.
    if (text[i - 1] === '$') continue;
    NAME.lastIndex = i + 1;
    const name = NAME.exec(text)?.[0];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
};

/** What a `$NAME` draws: the `${NAME}` to write instead. */
export const bareMessage = (name: string): string =>
  `\`$${name}\` is sent as written: write \`\${${name}}\` to use the variable ${name}`;

/** A hint after a message about a value that holds a `$NAME` (a refused phone number). */
export const bareHint = (text: string): string => {
  const [name] = bareNames(text);
  return name === undefined ? '' : ` — write \`\${${name}}\` to use the variable ${name}`;
};
