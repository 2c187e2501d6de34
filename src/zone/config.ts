/**
 * @module Normalisation of a ZoneConfig at the model's door, so the zone never sees a
 * trailing dot, upper case, a duplicate zone or an address it cannot encode.
 */
import { isIP } from 'node:net';
import { DEFAULT_ZONE_CONFIG, PODS_MODES, type ZoneConfig } from './types.ts';
import { isEncodableName } from './wire.ts';

const zoneName = (z: string): string => z.trim().toLowerCase().replace(/\.+$/, '');

/** Returns a normalised copy; throws an Error naming the field for values that cannot work. */
export function normalizeZoneConfig(cfg: ZoneConfig): ZoneConfig {
  const list = (zs: readonly string[], field: string): string[] => {
    const out = [...new Set(zs.map(zoneName))];
    for (const z of out) if (z === '' || !isEncodableName(z)) throw new Error(`${field}: invalid zone name ${JSON.stringify(z)}`);
    return out;
  };
  const zones = list(cfg.zones.length > 0 ? cfg.zones : DEFAULT_ZONE_CONFIG.zones, 'zones');
  const reverseZones = list(cfg.reverseZones, 'reverseZones');
  for (const z of reverseZones) {
    if (!/(^|\.)(in-addr|ip6)\.arpa$/.test(z)) throw new Error(`reverseZones: ${z} is not under in-addr.arpa or ip6.arpa`);
  }
  for (const ip of cfg.nsAddresses) if (isIP(ip) === 0) throw new Error(`nsAddresses: not an IP address: ${JSON.stringify(ip)}`);
  if (!Number.isInteger(cfg.ttl) || cfg.ttl < 0 || cfg.ttl > 0x7fffffff) throw new Error(`ttl: want an integer 0..2147483647, got ${cfg.ttl}`);
  if (cfg.endpointsFrom !== 'pods' && cfg.endpointsFrom !== 'endpointslices') {
    throw new Error(`endpointsFrom: want pods or endpointslices, got ${JSON.stringify(cfg.endpointsFrom)}`);
  }
  return { zones, reverseZones, ttl: cfg.ttl, endpointsFrom: cfg.endpointsFrom, nsAddresses: [...cfg.nsAddresses], ...optionalRules(cfg) };
}

/** Pod records (default disabled) and the expected-name TTL (absent: no rule; at most the record TTL). */
function optionalRules(cfg: ZoneConfig): Pick<ZoneConfig, 'pods' | 'expectedNegativeTtl'> {
  const pods = cfg.pods ?? 'disabled';
  if (!PODS_MODES.includes(pods)) throw new Error(`pods: want ${PODS_MODES.join(', ')}, got ${JSON.stringify(pods)}`);
  const exp = cfg.expectedNegativeTtl;
  if (exp === undefined) return { pods };
  if (!Number.isInteger(exp) || exp < 0 || exp > cfg.ttl) throw new Error(`expectedNegativeTtl: want an integer 0..ttl (${cfg.ttl}), got ${exp}`);
  return { pods, expectedNegativeTtl: exp };
}
