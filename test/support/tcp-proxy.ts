import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * What the proxy does with traffic: pass it, refuse new connections, reset everything, swallow it silently, or be
 * down (nothing listens: a connect fails with ECONNREFUSED, and open connections are reset).
 */
export type ProxyMode = 'pass' | 'refuse' | 'reset' | 'blackhole' | 'down';

export interface TcpProxy {
  port: number;
  mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a server (Postgres) that a test controls, to produce outages without touching the shared
 * server: `refuse` closes new connections at once, `reset` destroys every open one, `blackhole` keeps sockets open
 * but lets no byte through in either direction (a network partition).
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === 'refuse' || mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'pass') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get mode() {
      return mode;
    },
    setMode(next) {
      const wasDown = mode === 'down';
      mode = next;
      if (next === 'down') server.close();
      else if (wasDown) server.listen(port, '127.0.0.1');
      if (next === 'reset' || next === 'down') {
        for (const [client, upstream] of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
      }
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      if (mode === 'down') return Promise.resolve();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
