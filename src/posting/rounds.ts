import type { Logger } from 'pino';

/**
 * A job run in rounds: on a timer, or asked for. A call while a round is under way waits for it and
 * then runs one more (calls meanwhile share that one), so what changed since the round began is
 * seen without waiting for the timer; rounds never overlap in one process.
 */
export class Rounds<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private again: Promise<T> | undefined;

  constructor(
    private readonly round: () => Promise<T>,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  runOnce(): Promise<T> {
    if (!this.running) {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.again ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.again = undefined;
        return this.runOnce();
      });
    return this.again;
  }

  /** A round every `intervalMs`; the first at once, or one interval after the start. */
  start(intervalMs: number, options: { now: boolean }): void {
    const tick = () => void this.runOnce().catch((error: Error) => this.logger.error({ error: error.message }, `${this.what} failed`));
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    if (options.now) tick();
  }

  /** Stops the timer and waits for a round under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.again?.catch(() => undefined);
  }
}
