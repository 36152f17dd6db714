import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Faults a fake vendor console can be told to answer with, for the contract
 * specs: the next N API calls throttled (429 + Retry-After) or failing (5xx),
 * each in the vendor's own error shape. Token endpoints are not affected.
 */
export class ConsoleFaults {
  private queue: Array<{ status: number; retryAfterSeconds?: number }> = [];
  /** How many faults were answered (to assert the client retried through them). */
  answered = 0;

  throttleNext(count: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < count; i++) this.queue.push({ status: 429, retryAfterSeconds });
  }

  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.queue.push({ status });
  }

  /** Answers the request with the next queued fault and returns true, or returns false when none is queued. */
  take(res: ServerResponse, body: (status: number) => { contentType: string; text: string }): boolean {
    const fault = this.queue.shift();
    if (!fault) return false;
    this.answered++;
    const b = body(fault.status);
    res.writeHead(fault.status, {
      'content-type': b.contentType,
      ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
    });
    res.end(b.text);
    return true;
  }
}

/** The whole request body as text, at most `limit` bytes (more is an error). */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Bearer token of a request, or undefined. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Issued tokens with an expiry; `expireAll` makes every issued token invalid (the console's 401 path). */
export class FakeTokens {
  private readonly tokens = new Map<string, { expiresAt: number; clientId: string }>();
  issued = 0;

  constructor(private readonly ttlSeconds: () => number) {}

  issue(clientId: string): { token: string; expiresIn: number } {
    this.issued++;
    const token = `fake-${clientId.slice(0, 8)}-${this.issued}-${Math.random().toString(36).slice(2)}`;
    const expiresIn = this.ttlSeconds();
    this.tokens.set(token, { expiresAt: Date.now() + expiresIn * 1000, clientId });
    return { token, expiresIn };
  }

  valid(token: string | undefined): { clientId: string } | undefined {
    const t = token ? this.tokens.get(token) : undefined;
    return t && t.expiresAt > Date.now() ? { clientId: t.clientId } : undefined;
  }

  /** Every issued token expires when this many more API calls have come in (a token running out in the middle of a push). */
  expireAfterCalls(n: number): void {
    this.callsLeft = n;
  }

  private callsLeft: number | undefined;

  /** Called by the fake on every API (non-token) call. */
  countCall(): void {
    if (this.callsLeft === undefined) return;
    if (--this.callsLeft <= 0) {
      this.callsLeft = undefined;
      this.expireAll();
    }
  }

  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
}
