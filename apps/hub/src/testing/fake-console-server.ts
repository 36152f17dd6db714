import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request a fake console received, with the status it answered, for the specs' assertions. */
export interface ConsoleRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * The HTTP side every fake vendor console (Graph, Jamf) shares: listens on a
 * loopback port, logs each request into `requests` (method, path with query,
 * the status answered once it is sent), hands it to `handle` with its URL
 * on the fake's origin, and answers a thrown error with `fail` (in the
 * vendor's own error shape).
 */
export async function serveFakeConsole(
  requests: ConsoleRequest[],
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
  fail: (res: ServerResponse, err: Error) => void,
): Promise<{ origin: string; close(): Promise<void> }> {
  let origin = '';
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const seen = { method: req.method ?? '', path: `${url.pathname}${url.search}`, status: 0 };
    requests.push(seen);
    res.on('finish', () => (seen.status = res.statusCode));
    await handle(req, res, url);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((err: Error) => fail(res, err));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
