import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ConsoleFaults, FakeTokens } from './fake-console-faults';

/** One request a fake console received, with the status it answered, for the specs' assertions. */
export interface ConsoleRequest {
  method: string;
  path: string;
  status: number;
}

/** The state every fake console starts from: its one API client, faults to inject, its tokens and the request log. */
export interface FakeConsoleClient {
  clientId: string;
  clientSecret: string;
  faults: ConsoleFaults;
  tokens: FakeTokens;
  /** Seconds a new token lives (specs shorten it to cross an expiry). */
  tokenTtlSeconds: number;
  requests: ConsoleRequest[];
}

/** A fake console's starting state; the console's own fields are assigned onto this object (tokens read its tokenTtlSeconds as the spec sets it). */
export function fakeConsoleClient(clientId: string, clientSecret: string, tokenTtlSeconds: number): FakeConsoleClient {
  const client: FakeConsoleClient = {
    clientId,
    clientSecret,
    faults: new ConsoleFaults(),
    tokens: new FakeTokens(() => client.tokenTtlSeconds),
    tokenTtlSeconds,
    requests: [],
  };
  return client;
}

/** What serving adds to a fake console's state: where it listens, and how to stop it. */
export interface ServedFakeConsole {
  origin: string;
  close(): Promise<void>;
}

/**
 * The HTTP side every fake vendor console (Graph, Jamf) shares: listens on a
 * loopback port, logs each request into `state.requests` (method, path with
 * query, the status answered once it is sent), hands it to `handle` with its
 * URL on the fake's origin, and answers a thrown error with `fail` (in the
 * vendor's own error shape). Returns `state` itself with `origin` and `close`
 * added, so what the specs hold and what the handler sees is one object.
 */
export async function serveFakeConsole<S extends { requests: ConsoleRequest[] }>(
  state: S,
  handle: (fake: S & ServedFakeConsole, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
  fail: (res: ServerResponse, err: Error) => void,
): Promise<S & ServedFakeConsole> {
  const fake = Object.assign(state, { origin: '', close: () => Promise.resolve() });
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', fake.origin);
    const seen = { method: req.method ?? '', path: `${url.pathname}${url.search}`, status: 0 };
    fake.requests.push(seen);
    res.on('finish', () => (seen.status = res.statusCode));
    await handle(fake, req, res, url);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((err: Error) => fail(res, err));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
