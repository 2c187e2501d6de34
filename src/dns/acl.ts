/**
 * @module `--transfer-to` entries: who may transfer the zones, and where NOTIFYs go. Pure.
 * `10.0.0.0/8` and `fd00::/8` allow a network; `192.0.2.1`, `192.0.2.1:5300`, `::1` and
 * `[::1]:5300` allow one address and also receive NOTIFY (RFC 1996) at that port (default 53).
 * The port never matters for access: a secondary transfers from any source port.
 */
import { BlockList, isIP } from 'node:net';
import { parseHostPort } from './address.ts';

export interface TransferPeer {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  /** Where NOTIFYs go; null for a network wider than one address. */
  readonly notify: { readonly host: string; readonly port: number } | null;
}

/** Parse one `--transfer-to` value. Throws an Error saying what is wrong. */
export function parseTransferPeer(text: string): TransferPeer {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (cidr) {
    const family = isIP(cidr[1]!);
    const prefix = Number(cidr[2]);
    if (family === 0) throw new Error(`"${cidr[1]}" is not an IP address`);
    const max = family === 4 ? 32 : 128;
    if (prefix > max) throw new Error(`prefix /${prefix} is longer than ${max}`);
    const single = prefix === max;
    return { address: cidr[1]!, prefix, family: family as 4 | 6, notify: single ? { host: cidr[1]!, port: 53 } : null };
  }
  const bare = isIP(text);
  if (bare !== 0) return { address: text, prefix: bare === 4 ? 32 : 128, family: bare as 4 | 6, notify: { host: text, port: 53 } };
  const hp = parseHostPort(text);
  if (hp.port === 0) throw new Error(`port 0 in "${text}": NOTIFY needs the secondary's port`);
  return { address: hp.host, prefix: hp.family === 4 ? 32 : 128, family: hp.family, notify: { host: hp.host, port: hp.port } };
}

export interface Acl {
  allows(address: string): boolean;
  readonly peers: readonly TransferPeer[];
}

/** An IPv4 client on a dual-stack socket shows up as `::ffff:a.b.c.d`. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function createAcl(peers: readonly TransferPeer[]): Acl {
  const list = new BlockList();
  for (const p of peers) list.addSubnet(p.address, p.prefix, p.family === 4 ? 'ipv4' : 'ipv6');
  return {
    peers,
    allows(address: string): boolean {
      const a = unmapped(address);
      const family = isIP(a);
      return family !== 0 && peers.length > 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
