import assert from 'node:assert/strict';
import { MDE_CHILD_SCOPE_REASON, MdeConsoleEntry } from '@fleettune/exporters';
import { ConsoleHub, NOISY_ITEMS } from './console-target-fixture';
import type { ConsoleFaults, FakeTokens } from './fake-console-faults';

/**
 * The contract every console connector keeps (issue 14 item 3), as assertions the connector specs share: each spec
 * drives its own fake console, so what is the same across consoles is written once here.
 */

/** A fake Defender console (the fake Graph, the fake Jamf Pro) as the contract reads it. */
export interface DefenderConsoleView {
  /** The console's whole state, as text to compare. */
  snapshot(): string;
  /** How many write calls it has had. */
  writes(): number;
}

/**
 * A dry run with the noisy fixture's chunk files and agent approved: the plan adds the chunk path and removes
 * nothing, the child-scoped agent is refused with why (E1), and the console is neither changed nor written to.
 * Returns the dry run's answer for the console's own checks.
 */
export async function assertDefenderDryRun(h: ConsoleHub, targetId: string, view: DefenderConsoleView): ReturnType<ConsoleHub['api']> {
  await h.decide(NOISY_ITEMS.chunks, 'approved');
  await h.decide(NOISY_ITEMS.agent, 'approved', 'process');
  const before = view.snapshot();
  const writesBefore = view.writes();
  const dry = await h.dryRun(targetId);
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual(
    dry.body.plan.add.map((a: { body: unknown }) => a.body),
    [{ $type: 'excludedPath', path: NOISY_ITEMS.chunks, isDirectory: false }],
  );
  assert.deepEqual(dry.body.plan.remove, []);
  assert.deepEqual(
    dry.body.skipped.filter((s: { value: string }) => s.value === NOISY_ITEMS.agent),
    [{ value: NOISY_ITEMS.agent, reason: MDE_CHILD_SCOPE_REASON }],
    'the child-scoped process is refused with why (E1)',
  );
  assert.equal(view.snapshot(), before, 'the console is unchanged');
  assert.equal(view.writes(), writesBefore, 'no write call');
  return dry;
}

/**
 * With the chunk path pushed: approving the log adds it after the chunk path, rejecting the chunk path removes
 * it; `ours` reads the entries of fleettune's own policy or profile on the console.
 */
export async function assertDefenderAddThenRemove(h: ConsoleHub, targetId: string, ours: () => MdeConsoleEntry[]): Promise<void> {
  await h.decide(NOISY_ITEMS.log, 'approved');
  const added = await h.pushAndWait(targetId);
  assert.equal(added.status, 'delivered', JSON.stringify(added));
  assert.deepEqual(
    ours().map((e) => (e.$type === 'excludedPath' ? e.path : '')),
    [NOISY_ITEMS.chunks, NOISY_ITEMS.log],
  );
  await h.decide(NOISY_ITEMS.chunks, 'rejected');
  const removed = await h.pushAndWait(targetId);
  assert.equal(removed.status, 'delivered', JSON.stringify(removed));
  assert.deepEqual(ours(), [{ $type: 'excludedPath', path: NOISY_ITEMS.log, isDirectory: false }]);
}

/** A fake console built on fake-console-faults.ts (the fake Graph, the fake Jamf Pro), as the retry contract drives it. */
export interface FaultyConsole {
  tokens: FakeTokens;
  faults: ConsoleFaults;
  requests: Array<{ status: number }>;
}

/**
 * The retry contract every console connector keeps (issue 14 item 3): a token that expires mid-push is refreshed
 * once, a 429 waits for Retry-After and `serverError` is retried, and each push still lands verified. Approves
 * `value` for the first push and rejects it for the second, so that each has something to write.
 */
export async function assertPushSurvivesConsoleFaults(h: ConsoleHub, fake: FaultyConsole, targetId: string, value: string, serverError: number): Promise<void> {
  await h.decide(value, 'approved');
  const issued = fake.tokens.issued;
  fake.tokens.expireAfterCalls(2);
  const expired = await h.pushAndWait(targetId);
  assert.equal(expired.status, 'delivered', JSON.stringify(expired));
  assert.ok(fake.tokens.issued >= issued + 2, 'a new token was fetched after the 401');
  assert.ok(fake.requests.some((r) => r.status === 401));

  await h.decide(value, 'rejected');
  const faults = fake.faults.answered;
  fake.faults.throttleNext(1, 1);
  fake.faults.failNext(2, serverError);
  const started = Date.now();
  const retried = await h.pushAndWait(targetId);
  assert.equal(retried.status, 'delivered', JSON.stringify(retried));
  assert.equal(retried.verified, true);
  assert.equal(fake.faults.answered, faults + 3);
  assert.ok(Date.now() - started >= 1000, 'Retry-After was honoured');
}
