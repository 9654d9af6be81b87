/**
 * Keeps the services a runner started, notices when one dies on its own, and stops them
 * in reverse start order.
 */
import { describeExit, type ExitInfo, type ManagedProcess } from './managed-process';

/** Anything started by the `start*` functions of this folder. */
export interface RunningService {
  readonly name: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** A service that exited although nobody asked it to. */
export interface UnexpectedExit {
  readonly service: RunningService;
  readonly exit: ExitInfo;
  /** "worker exited with code 1", with the log tail. */
  readonly message: string;
}

export class Supervisor {
  private readonly services: RunningService[] = [];
  private stopping = false;
  private resolveUnexpected!: (value: UnexpectedExit) => void;
  /** Settles with the first service that exits while not being stopped. Never rejects. */
  readonly unexpectedExit: Promise<UnexpectedExit> = new Promise((resolve) => {
    this.resolveUnexpected = resolve;
  });

  /** Registers a started service and returns it. */
  add<T extends RunningService>(service: T): T {
    this.services.push(service);
    this.watch(service);
    return service;
  }

  /**
   * Registers a restarted service in the place of the one of the same name (which must
   * have exited), so it is stopped in the original order; see stack-control.ts.
   */
  replace<T extends RunningService>(service: T): T {
    const index = this.services.findIndex((s) => s.name === service.name);
    if (index < 0) return this.add(service);
    if (this.services[index].process.running) throw new Error(`${service.name} is still running`);
    this.services[index] = service;
    this.watch(service);
    return service;
  }

  /**
   * Services that exited although nobody asked them to. Only reported, never acted on: an
   * app whose database went away stays up (or dies by itself, which shows here).
   */
  crashed(): RunningService[] {
    return this.services.filter((s) => !s.process.running && !s.process.stopRequested);
  }

  private watch(service: RunningService): void {
    void service.process.exited.then((exit) => {
      if (this.stopping || service.process.stopRequested) return;
      const message = `${service.name} ${describeExit(exit)} unexpectedly.${service.process.tailForError()}`;
      this.resolveUnexpected({ service, exit, message });
    });
  }

  get all(): readonly RunningService[] {
    return this.services;
  }

  /** The PID of every registered service, by name. */
  pids(): Record<string, number> {
    return Object.fromEntries(this.services.map((s) => [s.name, s.process.pid]));
  }

  /**
   * Stops every service, last started first, one at a time (the API must go before the
   * database it uses). Failures are collected and thrown together at the end.
   */
  async stopAll(onStopping?: (name: string) => void): Promise<void> {
    this.stopping = true;
    const errors: string[] = [];
    for (const service of [...this.services].reverse()) {
      // A service that already died still gets stop(): it may clean up (temporary data).
      if (service.process.running) onStopping?.(service.name);
      try {
        await service.stop();
      } catch (err) {
        errors.push(`${service.name}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(`some services did not stop cleanly:\n  ${errors.join('\n  ')}`);
  }

  /** SIGKILLs everything still running (second Ctrl-C, or process exit). */
  killAll(): void {
    this.stopping = true;
    for (const service of this.services) service.process.kill();
  }
}
