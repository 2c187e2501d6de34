/**
 * @module Credentials of the embedded cluster: a self-signed CA, a serving certificate for
 * 127.0.0.1 / ::1 / localhost signed by it, and a random bearer token. Keys come from
 * crypto.generateKeyPairSync (native, fast); node-forge only assembles the X.509 certificates.
 * With a data dir they are kept in <dataDir>/pki so restarts keep clients' trust.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface Credentials {
  caPem: string;
  certPem: string;
  keyPem: string;
  token: string;
}

function keyPair(): { pub: forge.pki.PublicKey; priv: forge.pki.rsa.PrivateKey; privPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { pub: forge.pki.publicKeyFromPem(publicKey), priv: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, privPem: privateKey };
}

function serial(): string {
  // Positive, 16 bytes: RFC 5280 §4.1.2.2 allows up to 20 octets.
  return '01' + randomBytes(15).toString('hex');
}

function makeCert(subjectCN: string, pub: forge.pki.PublicKey, issuerCN: string, signer: forge.pki.rsa.PrivateKey, ca: boolean): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = serial();
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 60 * 60 * 1000);
  cert.setSubject([{ name: 'commonName', value: subjectCN }]);
  cert.setIssuer([{ name: 'commonName', value: issuerCN }]);
  const ext: object[] = ca
    ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }, { name: 'subjectKeyIdentifier' }]
    : [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
    ];
  cert.setExtensions(ext);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

export function generateCredentials(): Credentials {
  const ca = keyPair();
  const caCert = makeCert('ordinal-local-ca', ca.pub, 'ordinal-local-ca', ca.priv, true);
  const srv = keyPair();
  const srvCert = makeCert('ordinal-local-apiserver', srv.pub, 'ordinal-local-ca', ca.priv, false);
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(srvCert),
    keyPem: srv.privPem,
    token: randomBytes(24).toString('hex'),
  };
}

/** Load credentials from <dir>/pki, creating and saving them (mode 0600) on first start. */
export function loadOrCreateCredentials(dir: string | undefined): Credentials {
  if (!dir) return generateCredentials();
  const pki = join(dir, 'pki');
  const files = { caPem: 'ca.crt', certPem: 'apiserver.crt', keyPem: 'apiserver.key', token: 'token' } as const;
  if (Object.values(files).every((f) => existsSync(join(pki, f)))) {
    const read = (f: string): string => readFileSync(join(pki, f), 'utf8');
    return { caPem: read(files.caPem), certPem: read(files.certPem), keyPem: read(files.keyPem), token: read(files.token).trim() };
  }
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const c = generateCredentials();
  for (const [k, f] of Object.entries(files)) writeFileSync(join(pki, f), c[k as keyof Credentials], { mode: 0o600 });
  return c;
}
