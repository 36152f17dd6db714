import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { toApiErrorBody } from './api-error.filter';

/** What body-parser throws (http-errors): a status, `expose` for client errors, a type. */
function httpError(status: number, message: string, expose: boolean, type: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose, type });
}

test('Nest exceptions keep their status, message and issues', () => {
  assert.deepEqual(toApiErrorBody(new NotFoundException('no such host')), { statusCode: 404, error: 'Not Found', message: 'no such host' });
  assert.deepEqual(toApiErrorBody(new BadRequestException({ message: 'invalid query', issues: [{ path: 'top', message: 'too big' }] })), {
    statusCode: 400,
    error: 'Bad Request',
    message: 'invalid query',
    issues: [{ path: 'top', message: 'too big' }],
  });
  assert.equal(toApiErrorBody(new ThrottlerException()).statusCode, 429);
});

test("body-parser's client errors are 4xx with their message, not 500", () => {
  assert.deepEqual(toApiErrorBody(httpError(400, 'Unexpected end of JSON input', true, 'entity.parse.failed')), {
    statusCode: 400,
    error: 'Bad Request',
    message: 'Unexpected end of JSON input',
  });
  assert.equal(toApiErrorBody(httpError(413, 'request entity too large', true, 'entity.too.large')).statusCode, 413);
  assert.equal(toApiErrorBody(httpError(415, 'unsupported charset "LATIN1"', true, 'charset.unsupported')).statusCode, 415);
});

test('anything else is a 500 that shows nothing of the error', () => {
  for (const e of [new Error('db password is hunter2'), httpError(400, 'secret', false, 'x'), httpError(503, 'down', true, 'x'), 'text', null, 42]) {
    assert.deepEqual(toApiErrorBody(e), { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
});
