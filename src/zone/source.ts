/**
 * @module ZoneSource implementations: a holder of the current snapshot that notifies listeners,
 * and the glue that publishes a ClusterModel's snapshots into it.
 */
import { msToNextSecond } from './serial.ts';
import type { ZoneSnapshot, ZoneSource } from './types.ts';

export class SnapshotSource implements ZoneSource {
  #snap: ZoneSnapshot;
  readonly #listeners: Array<(snap: ZoneSnapshot) => void> = [];

  constructor(initial: ZoneSnapshot) {
    this.#snap = initial;
  }

  current(): ZoneSnapshot {
    return this.#snap;
  }

  onChange(fn: (snap: ZoneSnapshot) => void): void {
    this.#listeners.push(fn);
  }

  /** Publish a snapshot; listeners run only when the version actually changed. */
  publish(snap: ZoneSnapshot): void {
    if (snap === this.#snap || snap.version === this.#snap.version) return;
    this.#snap = snap;
    for (const fn of this.#listeners) {
      try {
        fn(snap);
      } catch {
        // A failing listener must not stop the others or the publisher (the watch loop).
      }
    }
  }
}

/** A source that always returns the same snapshot (tests, static zones). */
export function staticSource(snap: ZoneSnapshot): SnapshotSource {
  return new SnapshotSource(snap);
}

/** Anything with snapshot(): the ClusterModel. */
export interface Snapshotter { snapshot(): ZoneSnapshot }

/**
 * Publish model snapshots at most once per `delayMs` after a change is signalled, so a burst of
 * watch events costs one rebuild. Returns `notify` (call after apply/remove/markSynced),
 * `flush` (publish now) and `stop`.
 */
export function publishModel(model: Snapshotter, source: SnapshotSource, delayMs = 0): { notify(): void; flush(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    source.publish(model.snapshot());
  };
  return {
    notify(): void {
      if (delayMs <= 0) { flush(); return; }
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Anything that seals its current content under a fresh serial: the ClusterModel. */
export interface Sealable { seal(): ZoneSnapshot & { readonly sealed: boolean } }

/**
 * Seal the model's open content at the next second boundary and publish it (serial.ts). Call
 * `schedule()` after publishing a snapshot; at most one timer is pending, so a burst of changes
 * within a second is sealed once. `now` is the clock of the timer only.
 */
export function createSealer(model: Sealable, source: SnapshotSource, now: () => number = Date.now): { schedule(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    timer = undefined;
    source.publish(model.seal());
  };
  return {
    schedule(): void {
      const snap = source.current() as Partial<{ sealed: boolean }>;
      if (snap.sealed === true || timer) return;
      timer = setTimeout(fire, msToNextSecond(now()));
      timer.unref();
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
