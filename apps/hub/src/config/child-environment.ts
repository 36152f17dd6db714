/**
 * The environment a child process of the hub starts from (git for policy
 * targets): the hub's own (PATH, HOME for ~/.ssh, proxies) minus every
 * variable starting with one of `dropPrefixes`. The config module is the one
 * place the hub reads process.env (issue 16).
 */
export function childEnvironment(dropPrefixes: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!dropPrefixes.some((p) => k.startsWith(p))) out[k] = v;
  return out;
}
