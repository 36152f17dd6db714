import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { PrismaPg } from '@prisma/adapter-pg';
import { createMigratedTestDatabase, type TestDatabase } from '@fleettune/db-tools';
import { PrismaClient } from '../generated/prisma/client';
import { GrpcError, isTransientDatabaseError, toServiceError } from './grpc-error';

// Every error here is produced by a real PostgreSQL (or a real refused
// connection) through the same Prisma + adapter-pg stack the hub uses.
let db: TestDatabase;
let prisma: PrismaClient;

before(async () => {
  db = await createMigratedTestDatabase('grpc_error_spec');
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 4 }) });
  await prisma.$executeRawUnsafe('CREATE TABLE lockme (id int PRIMARY KEY, v int NOT NULL)');
  await prisma.$executeRawUnsafe('INSERT INTO lockme VALUES (1, 0), (2, 0)');
});

after(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

test('a deadlock (40P01) that reaches the gRPC layer is UNAVAILABLE, so the agent retries', async () => {
  let release!: () => void;
  const bothLocked = new Promise<void>((r) => (release = r));
  let locked = 0;
  const lockThenCross = (first: number, second: number) =>
    prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe('UPDATE lockme SET v = v + 1 WHERE id = $1', first);
        if (++locked === 2) release();
        await bothLocked;
        await tx.$executeRawUnsafe('UPDATE lockme SET v = v + 1 WHERE id = $1', second);
      },
      { timeout: 20_000, maxWait: 20_000 },
    );
  const results = await Promise.allSettled([lockThenCross(1, 2), lockThenCross(2, 1)]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  assert.equal(failures.length, 1, 'PostgreSQL breaks the deadlock by failing exactly one transaction');
  assert.match(String((failures[0] as Error).message), /deadlock|40P01|write conflict/i);
  assert.equal(isTransientDatabaseError(failures[0]), true);
  assert.equal(toServiceError(failures[0]).code, status.UNAVAILABLE);
});

test('a serialization failure (40001) is UNAVAILABLE', async () => {
  const err = await caught(prisma.$executeRawUnsafe(`DO 'BEGIN RAISE EXCEPTION SQLSTATE ''40001'' USING MESSAGE = ''could not serialize''; END'`));
  assert.equal(toServiceError(err).code, status.UNAVAILABLE);
});

test('an unreachable database is UNAVAILABLE', async () => {
  const dead = new PrismaClient({ adapter: new PrismaPg({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 }) });
  try {
    const err = await caught(dead.$queryRawUnsafe('SELECT 1'));
    assert.equal(toServiceError(err).code, status.UNAVAILABLE, String(err));
  } finally {
    await dead.$disconnect().catch(() => undefined);
  }
});

test('a pool that stays exhausted past the transaction wait is UNAVAILABLE', async () => {
  const small = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 1 }) });
  try {
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const holder = small.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe('SELECT 1');
        started();
        await held;
      },
      { timeout: 20_000 },
    );
    await isStarted;
    const err = await caught(small.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT 1'), { maxWait: 200 }));
    hold();
    await holder;
    assert.equal(toServiceError(err).code, status.UNAVAILABLE, String(err));
  } finally {
    await small.$disconnect();
  }
});

test('ordinary database errors stay INTERNAL with no details on the wire; GrpcError keeps its code', async () => {
  const err = await caught(prisma.$executeRawUnsafe('INSERT INTO lockme VALUES (1, 0)'));
  assert.equal(isTransientDatabaseError(err), false);
  assert.deepEqual(toServiceError(err), { code: status.INTERNAL, details: 'internal error' });
  assert.equal(toServiceError(new Error('boom')).code, status.INTERNAL);
  assert.equal(toServiceError(new GrpcError(status.INVALID_ARGUMENT, 'bad')).code, status.INVALID_ARGUMENT);
});
