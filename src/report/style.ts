import { styleText } from 'node:util';

type StyleName = 'red' | 'yellow' | 'green' | 'cyan' | 'gray' | 'bold' | 'dim';

/** Colours only when asked: the CLI decides (TTY, NO_COLOR, --no-color). */
export const makeStyle =
  (color: boolean) =>
  (style: StyleName, text: string): string =>
    color ? styleText(style, text) : text;

export type Style = ReturnType<typeof makeStyle>;
