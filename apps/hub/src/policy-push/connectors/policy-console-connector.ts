import type { z } from 'zod';
import type { ConsoleItem, ConsolePlan, OwnedConsoleItem } from '@fleettune/exporters';
import type { PushedItem } from '../policy-payload';
import type { ConnectorHttp } from './connector-http';

/** The policy-target kinds that write into a security product's console (issue 14 item 3). */
export const CONSOLE_CONNECTOR_KINDS = ['cisco-secure-endpoint', 'intune', 'jamf'] as const;
export type ConsoleConnectorKind = (typeof CONSOLE_CONNECTOR_KINDS)[number];

export function isConsoleConnectorKind(kind: string): kind is ConsoleConnectorKind {
  return (CONSOLE_CONNECTOR_KINDS as readonly string[]).includes(kind);
}

/** What the console holds of ours, and how many items in the same place a human made (never touched). */
export interface OwnedRead<B = unknown> {
  owned: OwnedConsoleItem<B>[];
  humanMade: number;
}

/**
 * One console (a Cisco exclusion set, an Intune configuration policy, a
 * Jamf configuration profile) as the hub manages it. The hub owns only the
 * items it created: a connector tells them apart by an ownership marker in
 * the item's name or description (`ownershipMarker(key)`), or, where the
 * vendor's item has no such field (Cisco's exclusions), by the console ids
 * in the ledger the hub recorded when it created them.
 *
 * The hub drives it (ConsolePushService): readOwned → planConsoleChanges
 * (pure, libs/exporters) → apply → readOwned again; the push is verified only
 * when the read-back plans nothing.
 */
export interface PolicyConsoleConnector<B = unknown> {
  /**
   * The owned items the console holds now, each with its key, the console's
   * id and its body normalized to the form `desired` produces (so an item
   * untouched since the hub wrote it compares equal), plus the count of
   * human-made items. `ledger`: the owned items the hub last recorded.
   */
  readOwned(ledger: readonly OwnedConsoleItem<B>[]): Promise<OwnedRead<B>>;
  /**
   * Carries out a plan: removes `plan.remove`, adds `plan.add`, never touches
   * anything else. Returns the owned items afterwards (the new ledger). On
   * failure it throws a ConnectorError whose `ledger` lists what the hub owns
   * at that point (created so far, not yet removed), so nothing it created is
   * ever taken for human-made.
   */
  apply(plan: ConsolePlan<B>, ledger: readonly OwnedConsoleItem<B>[]): Promise<OwnedConsoleItem<B>[]>;
}

/** The approved items a connector can carry, in its form, and the ones it cannot (with why). */
export interface DesiredConsoleItems<B = unknown> {
  items: ConsoleItem<B>[];
  skipped: { value: string; reason: string }[];
}

/**
 * A kind of connector: how its target is configured, which hosts it calls,
 * how approved items map to the vendor's form, and how to build one for a
 * target. Register it in connector-registry.ts.
 */
export interface PolicyConsoleConnectorFactory<C = unknown, S = unknown, B = unknown> {
  readonly kind: ConsoleConnectorKind;
  /** What the vendor calls the place the items go (shown in errors and the README). */
  readonly consoleName: string;
  /** Non-secret settings (stored in policy_targets.config, shown to admins). */
  readonly configSchema: z.ZodType<C>;
  /** Credentials (sealed in policy_targets.secret, never shown again). */
  readonly credentialsSchema: z.ZodType<S>;
  /** Every URL the connector calls (token endpoint, API base): checked against the outbound address policy when the target is created. */
  endpoints(config: C): string[];
  /** The approved items in the vendor's form (pure: the same items give the same bodies). */
  desired(items: readonly PushedItem[], config: C): DesiredConsoleItems<B>;
  create(ctx: { config: C; credentials: S; http: ConnectorHttp }): PolicyConsoleConnector<B>;
}

/**
 * Why a connector call failed. `retryable` errors (429 past the wait the hub
 * accepts, 5xx after the in-call retries, network errors) fail the job
 * attempt so BullMQ tries again later; the others (refused credentials, a
 * console that rejects the item, a missing exclusion set) fail the push.
 */
export class ConnectorError extends Error {
  readonly retryable: boolean;
  readonly statusCode?: number;
  /** The owned items at the time of the failure (apply only). */
  ledger?: OwnedConsoleItem[];

  constructor(message: string, opts: { retryable: boolean; statusCode?: number; ledger?: OwnedConsoleItem[] }) {
    super(message);
    this.retryable = opts.retryable;
    this.statusCode = opts.statusCode;
    this.ledger = opts.ledger;
  }
}
