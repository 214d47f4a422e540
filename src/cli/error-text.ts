import { printable, printableLines } from '../report/printable.js';

/**
 * The shortest part of a typed `--flag=value` that is hidden for the piece of a secret it
 * holds: a shorter one (`zz`) shows too little of the secret to matter, and replaced
 * wherever it occurs it would shred the message (the redactor's own minimum, too).
 */
const SHORTEST_PART = 4;

/**
 * The parts of a typed `-…=…` that the argument parser quotes alone (`Unknown option
 * '--name'`, the text before the `=`) and that a secret runs across: neither part holds the
 * secret whole, so the redactor, which looks for whole secrets, finds it in neither.
 */
const cutSecrets = (arg: string, hidden: string, redact: (text: string) => string): string[] => {
  const cut = arg.indexOf('=');
  if (!arg.startsWith('-') || cut < 0) return [];
  const parts = [arg.slice(0, cut), arg.slice(cut + 1)];
  if (parts.map((part) => redact(part)).join('=') === hidden) return [];
  return parts.filter((part) => part.length >= SHORTEST_PART);
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An error a command ends with, as printed: the secrets it quotes replaced by their
 * references (`redact`), and every character that does not print escaped (printable).
 * What was typed (`typed`, the arguments as given) is judged before the parser cut it: a
 * part of an argument that a secret runs across shows as the whole argument redacted
 * (`Unknown option '--${CALLOPS_API_KEY}'`, not the secret's text before its `=`). The few
 * errors written over several lines keep their line breaks — unless a typed argument holds
 * one: the message is then written on one line, every line break escaped, as nothing can
 * tell a line break of the message from one of the value it quotes (`--only` a name, `-C` a
 * directory, `init` DIR as a path…), which would start a line that looks like callops's.
 */
export const errorText = (
  message: string,
  typed: readonly string[],
  redact: (text: string) => string,
): string => {
  let text = message;
  for (const arg of typed) {
    const hidden = redact(arg);
    if (hidden === arg) continue;
    const parts = cutSecrets(arg, hidden, redact).sort((a, b) => b.length - a.length);
    if (parts.length === 0) continue;
    text = text.replace(new RegExp(parts.map(escapeRegExp).join('|'), 'g'), () => hidden);
  }
  const shown = redact(text);
  return typed.some((arg) => arg.includes('\n')) ? printable(shown) : printableLines(shown);
};
