import { after } from 'node:test';
import { Api, startReceiver } from '../alerts/test-fleet.fixture';
import { HubFixture, useTestHub } from './hub-fixture';

/** What an alert (or alert channel) spec works with; set once the `before` hook of `useAlertsHub` has run. */
export interface AlertsHubFixture extends HubFixture {
  /** The admin's REST client. */
  admin: Api;
  /** A webhook and Slack-compatible receiver on loopback. */
  receiver: Awaited<ReturnType<typeof startReceiver>>;
}

const ADMIN = 'alerts-hub-admin-token-0123456789';

/**
 * The set-up the alert specs share, as node:test hooks of the calling file (see useTestHub): a hub with an admin
 * token and `env`, the admin's Api, and a receiver that answers 503 to the first `receiverFailsFirst` requests of
 * each path; `after` closes the receiver too. `setUp` runs in the same `before` once all of it is up.
 */
export function useAlertsHub(name: string, env: Record<string, string>, receiverFailsFirst = 0, setUp?: () => Promise<void> | void): AlertsHubFixture {
  const fx = useTestHub(name, { FLEETTUNE_ADMIN_TOKEN: ADMIN, ...env }, async () => {
    fx.receiver = await startReceiver(receiverFailsFirst);
    fx.admin = new Api(fx.base, ADMIN);
    await setUp?.();
  }) as AlertsHubFixture;
  after(async () => {
    await fx.receiver?.close();
  });
  return fx;
}
