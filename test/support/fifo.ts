import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';

/** Makes a FIFO (named pipe) at `path`. */
export const makeFifo = (path: string): void => {
  execFileSync('mkfifo', [path]);
};

/**
 * Opens the FIFO at `path` for writing, without waiting, and closes it: a reader stuck
 * opening it (what a fix guards against) goes on, so a failing test never holds the suite.
 */
export const releaseFifo = (path: string): void => {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waiting (ENXIO), or gone: nothing held.
  }
};

/** `promise`, or `late` when it has not settled within `ms`. */
export const within = <T, U>(promise: Promise<T>, ms: number, late: U): Promise<T | U> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(late), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
