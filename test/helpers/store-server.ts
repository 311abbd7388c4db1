// A real HTTP server on 127.0.0.1 playing the platform secret store, answering each request with the next scripted step.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Step = (req: IncomingMessage, res: ServerResponse) => void;

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export interface StoreServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  origin: string;
  url: (path?: string) => string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts the server (HTTPS with `tls`); request n gets steps[n], and every request past the script gets the last step. */
export async function startStore(steps: Step[], tls?: { key: string; cert: string }): Promise<StoreServer> {
  const requests: SeenRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, at: Date.now() });
    const step = steps[Math.min(requests.length - 1, steps.length - 1)];
    step?.(req, res);
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path = '/v1/secrets') => origin + path,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** 200 with a JSON body. */
export const json = (body: unknown): Step => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** A bare status, with optional headers (Retry-After, Location). */
export const status = (code: number, headers: Record<string, string> = {}): Step => (_req, res) => {
  res.writeHead(code, { 'content-type': 'text/plain', ...headers }).end(`status ${code}`);
};

/** 200 with a body that is not JSON. */
export const malformed: Step = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"secrets": {"A": "1"');
};

/** 200 with `bytes` of body; chunked (no Content-Length) unless `withLength`. */
export const oversized = (bytes: number, withLength: boolean): Step => (_req, res) => {
  res.writeHead(200, withLength ? { 'content-length': String(bytes) } : {});
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const piece = chunk.subarray(0, Math.min(chunk.length, left));
      left -= piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
};

/** The TCP connection is reset (RST) before any response. */
export const reset: Step = (req) => {
  req.socket.resetAndDestroy();
};

/** Never answers. */
export const hang: Step = () => undefined;
