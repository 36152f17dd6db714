import { after, before } from 'node:test';

/**
 * For the fuzz specs, as node:test hooks of the calling file: collects what escapes to the process (an unhandled
 * rejection or an uncaught exception) from the file's `before` to its `after`, so a spec can assert that nothing did.
 * Call it before the file's own `before`: its listeners are then on while the hub starts.
 */
export function collectEscapedErrors(): unknown[] {
  const escaped: unknown[] = [];
  const onEscape = (e: unknown) => escaped.push(e);
  before(() => {
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  after(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  });
  return escaped;
}
