import { createServer, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 whose connections a test can cut, as a network partition does, or
 * hold, as a server that hangs (SIGSTOP) does.
 */
export interface TcpProxy {
  readonly port: number;
  /** Ends every connection through it, and every new one at once, until `heal()`. */
  cut(): void;
  heal(): void;
  /**
   * Holds every byte either way, on every connection and every new one, until `release()`
   * passes them on in order: nothing is answered meanwhile, and no connection ends.
   */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` on a free port. */
export const startTcpProxy = async (targetPort: number): Promise<TcpProxy> => {
  const sockets = new Set<Socket>();
  let cut = false;
  let held = false;
  const queued: (() => void)[] = [];
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (held) queued.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    track(upstream);
    upstream.connect(targetPort, '127.0.0.1');
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    heal: () => {
      cut = false;
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const write of queued.splice(0)) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
