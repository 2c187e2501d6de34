// The two UDP paths every socket-level DNS test runs on (dns/server.ts `udpIo`). `batch`
// needs native/build/ordinal_udp.node (`npm run build:native`, run by `npm install` and
// `pretest`): without it these tests fail, as a missing tool should.
export const UDP_PATHS = ['dgram', 'batch'] as const;
