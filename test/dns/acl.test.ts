// `--transfer-to` parsing and matching (dns/acl.ts).
import { describe, expect, it } from 'vitest';
import { createAcl, parseTransferPeer } from '../../src/dns/acl.ts';

describe('parseTransferPeer', () => {
  it.each([
    { text: '10.0.0.0/8', want: { address: '10.0.0.0', prefix: 8, family: 4, notify: null } },
    { text: '192.0.2.1', want: { address: '192.0.2.1', prefix: 32, family: 4, notify: { host: '192.0.2.1', port: 53 } } },
    { text: '192.0.2.1:5300', want: { address: '192.0.2.1', prefix: 32, family: 4, notify: { host: '192.0.2.1', port: 5300 } } },
    { text: '192.0.2.1/32', want: { address: '192.0.2.1', prefix: 32, family: 4, notify: { host: '192.0.2.1', port: 53 } } },
    { text: '::1', want: { address: '::1', prefix: 128, family: 6, notify: { host: '::1', port: 53 } } },
    { text: '[::1]:5300', want: { address: '::1', prefix: 128, family: 6, notify: { host: '::1', port: 5300 } } },
    { text: 'fd00::/8', want: { address: 'fd00::', prefix: 8, family: 6, notify: null } },
  ])('$text', ({ text, want }) => {
    expect(parseTransferPeer(text)).toEqual(want);
  });

  it.each([
    { text: 'secondary.example', err: /not host:port/ },
    { text: '10.0.0.0/33', err: /longer than 32/ },
    { text: 'nope/8', err: /not an IP address/ },
    { text: '192.0.2.1:0', err: /port 0/ },
    { text: '192.0.2.1:70000', err: /out of range/ },
  ])('rejects $text', ({ text, err }) => {
    expect(() => parseTransferPeer(text)).toThrow(err);
  });
});

describe('createAcl', () => {
  const acl = createAcl(['10.0.0.0/8', '192.0.2.1:5300', 'fd00::/8'].map(parseTransferPeer));
  it.each([
    { addr: '10.1.2.3', want: true },
    { addr: '::ffff:10.1.2.3', want: true }, // IPv4 on a dual-stack socket
    { addr: '192.0.2.1', want: true },
    { addr: '192.0.2.2', want: false },
    { addr: 'fd00::1', want: true },
    { addr: '127.0.0.1', want: false },
    { addr: '', want: false },
  ])('$addr: $want', ({ addr, want }) => {
    expect(acl.allows(addr)).toBe(want);
  });
  it('allows nobody without entries', () => {
    expect(createAcl([]).allows('127.0.0.1')).toBe(false);
  });
});
