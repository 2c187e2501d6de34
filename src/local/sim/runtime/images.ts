/**
 * @module Which simulated process an image runs. Images are matched by repository
 * (`docker.io/luksa/kubia-pet:latest` and `luksa/kubia-pet@sha256:...` are `luksa/kubia-pet`).
 */

/** The repository part of an image reference, without registry, `library/`, tag or digest. */
export function imageRepository(image: string): string {
  let ref = image.trim().toLowerCase();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  // A first component with a dot or colon, or "localhost", is a registry host (distribution/reference).
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) parts.shift();
  if (parts[0] === 'library' && parts.length > 1) parts.shift();
  return parts.join('/');
}

export type ImageKind = 'app' | 'command' | 'simulated';

/** Images whose command line runs as built-in commands (dig, nslookup, sh -c ...). */
export const COMMAND_IMAGES: ReadonlySet<string> = new Set(['tutum/dnsutils', 'busybox']);
