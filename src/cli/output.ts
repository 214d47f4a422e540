/** Until `stream` drains, closes or fails: whichever comes first. */
const settled = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });

/**
 * Writes `chunks` one after another, waiting whenever the stream holds more than it wants
 * (a pipe whose reader is slower: Node buffers such writes without bound): a large output
 * then takes a chunk or two of memory, not its whole text. Once the stream fails or closes
 * (its reader went away: process.stdout is never marked destroyed, each write just fails
 * again) no more chunks are made.
 */
export const writeChunks = async (
  stream: NodeJS.WriteStream,
  chunks: Iterable<string | Uint8Array>,
): Promise<void> => {
  let gone = false;
  const stop = () => {
    gone = true;
  };
  stream.on('error', stop);
  stream.on('close', stop);
  try {
    for (const chunk of chunks) {
      if (gone || stream.destroyed) return;
      if (!stream.write(chunk) && !gone) await settled(stream);
    }
  } finally {
    stream.off('error', stop);
    stream.off('close', stop);
  }
};
