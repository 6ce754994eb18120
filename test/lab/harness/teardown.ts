// Everything the lab creates outside its own memory (namespaces, loop devices, mounts, processes,
// directories) is registered here the moment it exists, and undone in reverse order: after the
// scenarios, after a failed setup, and best-effort when the test process exits or is interrupted.
// Undo steps are synchronous so the same list works inside process.on("exit").

interface UndoStep {
  what: string;
  undo: () => void;
}

const interruptions = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export class Teardown {
  private steps: UndoStep[] = [];
  private readonly onExit = () => this.runAll();
  /** Ctrl-C or a killed test run ends the process without "exit": undo first, then die of the signal. */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.runAll();
    process.kill(process.pid, signal);
  };

  constructor() {
    process.on("exit", this.onExit);
    for (const signal of interruptions) process.once(signal, this.onSignal);
  }

  /** Registers an undo step; returns a function that runs it early (and only once). */
  add(what: string, undo: () => void): () => void {
    const step: UndoStep = { what, undo };
    this.steps.push(step);
    return () => {
      const at = this.steps.indexOf(step);
      if (at < 0) return;
      this.steps.splice(at, 1);
      step.undo();
    };
  }

  /** Runs every step newest first; a failing step never stops the others. Returns the failures. */
  runAll(): string[] {
    const failures: string[] = [];
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        step.undo();
      } catch (e) {
        failures.push(`${step.what}: ${(e as Error).message}`);
      }
    }
    process.off("exit", this.onExit);
    for (const signal of interruptions) process.off(signal, this.onSignal);
    return failures;
  }
}
