import type { ConsoleConnectorKind, PolicyConsoleConnectorFactory } from './policy-console-connector';
import { isConsoleConnectorKind } from './policy-console-connector';
import { intuneConnector } from './intune-connector';
import { ciscoSecureEndpointConnector } from './cisco-secure-endpoint.connector';
import { jamfConnector } from './jamf-connector';

/**
 * The connectors this hub has, by policy-target kind. A kind listed in
 * CONSOLE_CONNECTOR_KINDS without an entry here is refused when a target is
 * created ("no connector for it in this hub yet"). A new connector is a
 * PolicyConsoleConnectorFactory (its config and credentials schemas, the
 * URLs it calls, the mapping of approved items to the vendor's form, and a
 * PolicyConsoleConnector: readOwned + apply) added to this map, with a fake
 * vendor server in apps/hub/src/testing/ and contract specs through the hub.
 */
const CONNECTORS: Partial<Record<ConsoleConnectorKind, PolicyConsoleConnectorFactory>> = {
  intune: intuneConnector as PolicyConsoleConnectorFactory,
  'cisco-secure-endpoint': ciscoSecureEndpointConnector as PolicyConsoleConnectorFactory,
  jamf: jamfConnector as PolicyConsoleConnectorFactory,
};

export function connectorFactory(kind: string): PolicyConsoleConnectorFactory | undefined {
  return isConsoleConnectorKind(kind) ? CONNECTORS[kind] : undefined;
}
