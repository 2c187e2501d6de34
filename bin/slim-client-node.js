// Memory: ordinal's watcher and controller use one thing from @kubernetes/client-node, its
// KubeConfig (kubeconfig files, in-cluster and exec/OIDC credentials, TLS options), imported from
// the package's dist/config.js. That module imports two names, createConfiguration and
// ServerConfiguration, from the generated client's barrel './gen/index.js', and the barrel loads
// all ~1,000 model classes and every typed API: about 30 MB of RSS in a process whose data for a
// 10,000-pod cluster is smaller than that (bench/RESULTS.md, "Footprint"). This resolve hook hands
// config.js a module that re-exports exactly those two names from the files that define them.
// With `typedClients: false` (every command but `local`), 'undici' (another ~25 MB) is a stub too
// for the two client-node modules left that import it, config.js and gen/http/isomorphic-fetch.js:
// there undici is only the transport of the typed API clients (createDispatcher, reached from
// applySecurityAuthentication, and their fetch); ordinal's own list/watch and REST calls take TLS options from
// applyToHTTPSOptions and use node:https (src/kube/client.ts, src/controller/rest.ts). A typed
// client used there anyway gets an Error that says so at its first request, not a silent change.
// It is the same code: a caller that imports the typed APIs (the embedded cluster's simulated
// kubelets) still loads the barrel, and gets the same ServerConfiguration class, since both paths
// reach the one gen/servers.js. If a client-node release changes what config.js imports, linking
// fails at startup with a SyntaxError naming the missing export, never silently
// (test/cli/footprint.test.ts loads the serve entry through this hook).
import module from 'node:module';

const DIST = '/@kubernetes/client-node/dist/';
const CONFIG = `${DIST}config.js`;
const FETCH = `${DIST}gen/http/isomorphic-fetch.js`;

/** The source config.js gets for './gen/index.js' (absolute URLs: data: modules resolve no relative ones). */
export function slimGenSource(configUrl) {
  const gen = new URL('./gen/', configUrl).href;
  return `export { createConfiguration } from ${JSON.stringify(`${gen}configuration.js`)};\n`
    + `export { ServerConfiguration } from ${JSON.stringify(`${gen}servers.js`)};\n`;
}

/** What config.js gets for 'undici' when typed clients are off: the two classes it imports, failing on use. */
export const NO_UNDICI_SOURCE = `const message = 'ordinal: the typed API clients of @kubernetes/client-node are left out of this command (bin/slim-client-node.js); use src/kube/client.ts';
class NoTypedClients {
  constructor() {
    throw new Error(message);
  }
}
export async function fetch() {
  throw new Error(message);
}
export { NoTypedClients as Agent, NoTypedClients as ProxyAgent };
`;

const dataUrl = (source) => `data:text/javascript,${encodeURIComponent(source)}`;

/**
 * Register the hook (Node >= 22.15 has module.registerHooks; older ones load everything).
 * `typedClients: false` also stubs undici (see above). Returns whether the hook is in place.
 */
export function slimClientNode({ typedClients = true } = {}) {
  if (typeof module.registerHooks !== 'function') return false;
  module.registerHooks({
    resolve(specifier, context, next) {
      const parent = context.parentURL ?? '';
      if (specifier === './gen/index.js' && parent.endsWith(CONFIG)) {
        return { url: dataUrl(slimGenSource(parent)), format: 'module', shortCircuit: true };
      }
      if (specifier === 'undici' && !typedClients && (parent.endsWith(CONFIG) || parent.endsWith(FETCH))) {
        return { url: dataUrl(NO_UNDICI_SOURCE), format: 'module', shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
  return true;
}
