import { readFileSync } from 'node:fs';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
};

export const VERSION: string = readVersion();
