import * as fs from 'node:fs';
import * as tls from 'node:tls';

/** Where the operating systems keep their CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, SUSE, macOS/BSD). */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];

/**
 * The roots `--tls` trusts: the operating system's CA bundle (the first of SYSTEM_BUNDLES that
 * exists, or SSL_CERT_FILE), Node's bundled Mozilla roots (`tls.rootCertificates`) and the file
 * named by NODE_EXTRA_CA_CERTS. Passing `ca` replaces Node's default store, so all three are
 * given explicitly (https://nodejs.org/api/tls.html#tlsrootcertificates,
 * https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
 */
export function systemRootCertificates(env: NodeJS.ProcessEnv = process.env): Buffer {
  const parts: string[] = [...tls.rootCertificates];
  const bundle = env.SSL_CERT_FILE ?? SYSTEM_BUNDLES.find((f) => fs.existsSync(f));
  for (const f of [bundle, env.NODE_EXTRA_CA_CERTS]) {
    if (!f) continue;
    try {
      parts.push(fs.readFileSync(f, 'utf8'));
    } catch {
      /* a missing optional bundle leaves the others */
    }
  }
  return Buffer.from(parts.join('\n'));
}

/**
 * 127.0.0.0/8, ::1 and localhost: the only hub addresses plaintext gRPC is used for by default. A list
 * of replicas (`a:1,b:2`) is loopback only when every one of them is.
 */
export function isLoopbackHub(hub: string): boolean {
  return hub.split(',').every((address) => {
    const host = address
      .trim()
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '')
      .toLowerCase();
    return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  });
}
