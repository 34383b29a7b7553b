import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake, for what the real server cannot be made to do: radosgw does not
 * throttle on demand. This HTTP proxy forwards every request to the real
 * radosgw, except that it answers the first `failures` requests matching
 * `method` with `503 SlowDown` (S3's throttling answer) after reading their
 * body, as a loaded server would.
 */
export interface FlakyProxy {
  readonly endpoint: string;
  /** Requests answered with 503 so far. */
  readonly refused: () => number;
  /** Requests forwarded so far. */
  readonly forwarded: () => number;
  /** Throttle the next `count` requests of `method` (any method when undefined). */
  throttle(count: number, method?: string): void;
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  let remaining = 0;
  let onlyMethod: string | undefined;
  let refused = 0;
  let forwarded = 0;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (remaining > 0 && (onlyMethod === undefined || req.method === onlyMethod)) {
      remaining--;
      refused++;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN) });
        res.end(SLOW_DOWN);
      });
      return;
    }
    forwarded++;
    const outgoing = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', (error) => res.destroy(error));
    req.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refused: () => refused,
    forwarded: () => forwarded,
    throttle(count, method) {
      remaining = count;
      onlyMethod = method;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
