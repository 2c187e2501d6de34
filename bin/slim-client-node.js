// Memory: ordinal's watcher and controller use one thing from @kubernetes/client-node, its
// KubeConfig (kubeconfig files, in-cluster and exec/OIDC credentials, TLS options), imported from
// the package's dist/config.js. That module imports two names, createConfiguration and
// ServerConfiguration, from the generated client's barrel './gen/index.js', and the barrel loads
// all ~1,000 model classes and every typed API: about 30 MB of RSS in a process whose data for a
// 10,000-pod cluster is smaller than that (bench/RESULTS.md, "Footprint"). This resolve hook hands
// config.js a module that re-exports exactly those two names from the files that define them.
// It is the same code: a caller that imports the typed APIs (the embedded cluster's simulated
// kubelets) still loads the barrel, and gets the same ServerConfiguration class, since both paths
// reach the one gen/servers.js. If a client-node release changes what config.js imports, linking
// fails at startup with a SyntaxError naming the missing export, never silently
// (test/cli/footprint.test.ts loads the serve entry through this hook).
import module from 'node:module';

const CONFIG = '/@kubernetes/client-node/dist/config.js';

/** The source config.js gets for './gen/index.js' (absolute URLs: data: modules resolve no relative ones). */
export function slimGenSource(configUrl) {
  const gen = new URL('./gen/', configUrl).href;
  return `export { createConfiguration } from ${JSON.stringify(`${gen}configuration.js`)};\n`
    + `export { ServerConfiguration } from ${JSON.stringify(`${gen}servers.js`)};\n`;
}

/** Register the hook (Node >= 22.15 has module.registerHooks; older ones just load the barrel). */
export function slimClientNode() {
  if (typeof module.registerHooks !== 'function') return false;
  module.registerHooks({
    resolve(specifier, context, next) {
      if (specifier === './gen/index.js' && context.parentURL && context.parentURL.endsWith(CONFIG)) {
        return { url: `data:text/javascript,${encodeURIComponent(slimGenSource(context.parentURL))}`, format: 'module', shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
  return true;
}
