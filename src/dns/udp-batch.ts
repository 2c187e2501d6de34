/**
 * @module The batched UDP listener: native/ordinal_udp.c owns the socket and reads and writes
 * up to BATCH datagrams per syscall (recvmmsg/sendmmsg); this shell answers a batch with the
 * same handler as the dgram listener (udp.ts), in one JS call per batch.
 *
 * Datagrams arrive in one shared buffer (slot i at i × IN_SLOT, lengths in `lens`); each reply
 * is copied into the shared output buffer (slot i at i × OUT_SLOT) and its length written to
 * `lens[BATCH + i]`, -1 for no reply. The copy is what lets the handler lease its cached buffer:
 * by the time the next query is handled, the reply's bytes are already ours.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import type { Handler, PeerRef } from './handler.ts';
import type { UdpListener } from './udp.ts';

/** How UDP datagrams move: `batch` = this addon, `dgram` = node:dgram, `auto` = batch where it loads. */
export type UdpIo = 'auto' | 'batch' | 'dgram';
export const UDP_IO_MODES: readonly UdpIo[] = ['auto', 'batch', 'dgram'];

/** The native socket object (see native/ordinal_udp.c). */
export interface NativeSocket {
  readonly port: number;
  readonly in: ArrayBuffer;
  readonly out: ArrayBuffer;
  readonly lens: ArrayBuffer;
  readonly stats: ArrayBuffer;
}

export interface UdpAddon {
  open(family: 4 | 6, host: string, port: number, reusePort: boolean, recvBuffer: number): NativeSocket;
  start(sock: NativeSocket, onBatch: (this: NativeSocket, count: number) => void): void;
  close(sock: NativeSocket): void;
  /** The source address of datagram `index` of the batch being answered. */
  peer(sock: NativeSocket, index: number): string;
  /** Fault injection for tests: the next `n` sendmmsg calls fail with `code` without sending. */
  injectSendFailures(sock: NativeSocket, n: number, code: SendFailure): void;
  /** malloc_trim(0): 1 released memory, 0 nothing to release, -1 not glibc (cli/memory.ts). */
  trimHeap(): number;
  readonly BATCH: number;
  readonly IN_SLOT: number;
  readonly OUT_SLOT: number;
}

/** What a send can meet: a full socket buffer (the batch's remaining replies are dropped) or a refusal (that one reply). */
export type SendFailure = 'EAGAIN' | 'ENOBUFS' | 'EACCES';

/** Counters kept by the addon, in the order of its `stats` array. */
export interface UdpStats {
  received: number;
  sent: number;
  /** Replies dropped because the send buffer was full (EAGAIN/ENOBUFS). */
  dropped: number;
  /** Replies the kernel refused for another reason (e.g. EACCES from a firewall rule). */
  sendErrors: number;
  recvErrors: number;
  batches: number;
  callbackErrors: number;
}
const STAT_NAMES = ['received', 'sent', 'dropped', 'sendErrors', 'recvErrors', 'batches', 'callbackErrors'] as const;

/**
 * Where scripts/build-native.mjs puts the addon (the same relative path from src/ and dist/);
 * ORDINAL_UDP_ADDON names another build (tests use it to prove the fallback).
 */
export const ADDON_PATH = process.env.ORDINAL_UDP_ADDON || fileURLToPath(new URL('../../native/build/ordinal_udp.node', import.meta.url));

export type AddonLoad = { ok: true; addon: UdpAddon } | { ok: false; reason: string };
let loaded: AddonLoad | undefined;

/**
 * Load the addon once per thread. A missing build or a wrong ABI is an answer, not a throw:
 * the caller falls back to node:dgram (`--udp-io auto`) or refuses to start (`batch`).
 */
export function loadUdpAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { ok: false, reason: `recvmmsg/sendmmsg are Linux-only (${process.platform})` });
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as UdpAddon;
    if (typeof addon.open !== 'function' || addon.BATCH <= 0) return (loaded = { ok: false, reason: `${ADDON_PATH} is not ordinal's UDP addon` });
    loaded = { ok: true, addon };
  } catch (err) {
    loaded = { ok: false, reason: (err as Error).message.split('\n')[0] ?? String(err) };
  }
  return loaded;
}

export interface BatchListener extends UdpListener {
  stats(): UdpStats;
  /** For tests: make the next `n` sends fail as the kernel would (a loopback send buffer never fills). */
  injectSendFailures(n: number, code: SendFailure): void;
}

/**
 * Answer `count` datagrams of one batch: pure over the shared views, so tests can drive it
 * without a socket. Never throws: a handler failure drops that one reply.
 */
export function answerBatch(handler: Handler, log: Logger, views: BatchViews, count: number): void {
  const { input, output, lens, batch, inSlot, outSlot, peer } = views;
  for (let i = 0; i < count; i++) {
    const at = i * inSlot;
    let reply: Buffer | null = null;
    peer.index = i;
    try {
      reply = handler.lease(input.subarray(at, at + lens[i]!), peer);
    } catch (err) {
      log.error({ err }, 'udp handler threw');
    }
    // A UDP reply never exceeds --max-udp-size (<= 4096 = OUT_SLOT); a longer one is a bug, not sent.
    if (reply === null || reply.length > outSlot) {
      lens[batch + i] = -1;
      continue;
    }
    reply.copy(output, i * outSlot);
    lens[batch + i] = reply.length;
  }
}

export interface BatchViews {
  readonly input: Buffer;
  readonly output: Buffer;
  readonly lens: Int32Array;
  readonly batch: number;
  readonly inSlot: number;
  readonly outSlot: number;
  /** The current datagram's source address, read from the addon only when the handler asks. */
  readonly peer: PeerRef & { index: number };
}

export function viewsOf(addon: UdpAddon, sock: NativeSocket): BatchViews {
  const peer = { index: 0, address: (): string => addon.peer(sock, peer.index) };
  return {
    input: Buffer.from(sock.in), output: Buffer.from(sock.out), lens: new Int32Array(sock.lens),
    batch: addon.BATCH, inSlot: addon.IN_SLOT, outSlot: addon.OUT_SLOT, peer,
  };
}

export function listenUdpBatch(
  addon: UdpAddon, host: string, port: number, family: 4 | 6, handler: Handler, log: Logger, reusePort: boolean, recvBuffer: number,
): BatchListener {
  // Throws EADDRINUSE and the like as an Error with `code`, as dgram's bind does.
  const sock = addon.open(family, host, port, reusePort, recvBuffer);
  const views = viewsOf(addon, sock);
  const counters = new Float64Array(sock.stats);
  addon.start(sock, (count) => answerBatch(handler, log, views, count));
  let closed = false;
  return {
    port: sock.port,
    stats: () => Object.fromEntries(STAT_NAMES.map((n, i) => [n, counters[i]!])) as unknown as UdpStats,
    injectSendFailures: (n, code) => addon.injectSendFailures(sock, n, code),
    close: () => {
      if (!closed) addon.close(sock);
      closed = true;
      return Promise.resolve();
    },
  };
}
