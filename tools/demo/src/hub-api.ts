/** A small typed client of the hub's REST API, for the demo, tests and tools. */
export class HubApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async raw(method: string, path: string, token = this.token): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  }

  /** Enqueues a recompute and waits for the set it produces. */
  async recomputeExclusions(timeoutMs = 60_000): Promise<{ setId: string; version: number; items: number }> {
    const { jobId } = await this.post<{ jobId: string }>('/api/v1/exclusion-sets/recompute');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.get<{ state: string; result?: { setId: string; version: number; items: number }; failedReason?: string }>(
        `/api/v1/exclusion-sets/jobs/${encodeURIComponent(jobId)}`,
      );
      if (job.state === 'completed' && job.result) return job.result;
      if (job.state === 'failed') throw new Error(`recompute job ${jobId} failed: ${job.failedReason}`);
      if (Date.now() > deadline) throw new Error(`recompute job ${jobId} still ${job.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
