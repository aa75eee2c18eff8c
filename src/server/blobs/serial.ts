/** Runs tasks one at a time, in the order they were asked for. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The next task waits for this one to settle, whether it worked or not.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
