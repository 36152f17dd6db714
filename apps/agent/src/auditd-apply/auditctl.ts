import { execFile } from 'node:child_process';
import { AuditdRuleTarget, auditctlArgs } from '@fleettune/exporters';

export interface AuditctlResult {
  ok: boolean;
  output: string;
}

/** The kernel side of applying exclusions; an interface so the applier's rollback can be driven in a spec. */
export interface Auditctl {
  /** `auditctl -s`: the `enabled` flag (0 off, 1 on, 2 immutable), or why it cannot be read. */
  enabled(): Promise<{ enabled: number } | { error: string }>;
  /** `auditctl -l`. */
  list(): Promise<AuditctlResult>;
  add(target: AuditdRuleTarget): Promise<AuditctlResult>;
  delete(target: AuditdRuleTarget): Promise<AuditctlResult>;
}

/**
 * The system auditctl, one rule per call (argument arrays, never a shell). Not augenrules --load:
 * it starts with -D and reloads only rules.d, so it would delete every rule loaded by other means
 * (a security product's own, an admin's), which the agent must never do.
 */
export class SystemAuditctl implements Auditctl {
  constructor(
    private readonly command = 'auditctl',
    private readonly timeoutMs = 15_000,
  ) {}

  async enabled(): Promise<{ enabled: number } | { error: string }> {
    const r = await this.run(['-s']);
    if (!r.ok) return { error: r.output || 'auditctl -s failed' };
    const m = /^enabled (\d+)/m.exec(r.output);
    return m ? { enabled: Number(m[1]) } : { error: `auditctl -s printed no enabled flag: ${r.output.slice(0, 200)}` };
  }

  list(): Promise<AuditctlResult> {
    return this.run(['-l']);
  }

  add(target: AuditdRuleTarget): Promise<AuditctlResult> {
    return this.run(auditctlArgs('add', target));
  }

  delete(target: AuditdRuleTarget): Promise<AuditctlResult> {
    return this.run(auditctlArgs('delete', target));
  }

  private run(args: string[]): Promise<AuditctlResult> {
    return new Promise((resolve) =>
      execFile(this.command, args, { timeout: this.timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const output = `${stdout ?? ''}${stderr ?? ''}`.trim();
        resolve({ ok: !err, output: err && !output ? err.message : output });
      }),
    );
  }
}
