/**
 * @module The zone's settings from the serve flags. Its own module so that a DNS worker thread
 * (dns-worker.ts) need not load the manifest reader (and its YAML parser) to get them.
 */
import { parseHostPort } from '../dns/address.ts';
import type { ZoneConfig } from '../zone/types.ts';
import type { ServeConfig } from './config.ts';

export function zoneConfig(cfg: ServeConfig): ZoneConfig {
  const { host } = parseHostPort(cfg.dnsListen);
  // Glue for ns.dns.<zone> is the address we answer on, unless that is a wildcard.
  const wildcard = host === '0.0.0.0' || host === '::';
  return {
    zones: cfg.zones, reverseZones: cfg.reverseZones, ttl: cfg.ttl, endpointsFrom: cfg.endpointsFrom, nsAddresses: wildcard ? [] : [host],
    pods: cfg.pods,
    ...(expectedRule(cfg) ? { expectedNegativeTtl: cfg.expectedNegativeTtl } : {}),
  };
}

/** The expected-name rule is on when it shortens something: --expected-negative-ttl below --ttl. */
export function expectedRule(cfg: ServeConfig): boolean {
  return cfg.expectedNegativeTtl < cfg.ttl;
}
