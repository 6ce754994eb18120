import { AsyncLocalStorage } from "node:async_hooks";

// Every simulated node has its own wall clock, and an NTP step or a resumed VM moves it by seconds
// or hours. Code running for a node sees its clock through Date.now (stepped at once, also inside a
// transition already running) and performance.timeOrigin (fixed when the node's process started:
// each transition stands for one aws-ha-notify process). performance.now(), process.hrtime and the
// kernel's boot clock are monotonic and never step, as on Linux.
//
// The node a piece of code runs for is carried by AsyncLocalStorage, so several simulated nodes
// (and several soak lanes) share this one process without sharing their clocks. Code outside any
// node (the EC2 stand-in, the soak's own bookkeeping) sees the real time.

export class NodeClock {
  /** How far this node's wall clock is from the real one, in ms. */
  offsetMs = 0;

  step(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

interface ProcessTime {
  clock: NodeClock;
  /** The node's clock offset when the process started: what its timeOrigin was computed from. */
  originOffsetMs: number;
}

const current = new AsyncLocalStorage<ProcessTime>();
const realNow = Date.now;
let installs = 0;

/** Runs fn as a process started now on the node whose clock this is. */
export function onNode<T>(clock: NodeClock, fn: () => T): T {
  return current.run({ clock, originOffsetMs: clock.offsetMs }, fn);
}

/** The real time, whatever node the caller runs for (for the soak's own watchdogs). */
export const realTime = (): number => realNow.call(Date);

/** Makes Date.now and performance.timeOrigin node-aware until the returned function is called. */
export function installNodeClocks(): () => void {
  if (installs++ === 0) {
    const realOrigin = performance.timeOrigin;
    Date.now = () => realNow.call(Date) + (current.getStore()?.clock.offsetMs ?? 0);
    Object.defineProperty(performance, "timeOrigin", {
      configurable: true,
      get: () => realOrigin + (current.getStore()?.originOffsetMs ?? 0),
    });
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installs > 0) return;
    Date.now = realNow;
    delete (performance as { timeOrigin?: number }).timeOrigin;
  };
}
