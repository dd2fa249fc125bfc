/**
 * Runs tasks with at most `concurrency` in flight and hands results to `onResult` in input order.
 * Used to overlap one file's database round trips and commit with the next file's decoding.
 *
 * `tasks` may be an async iterable (files coming out of an archive one at a time): the next task is
 * taken only when a slot is free, so no more than `concurrency` tasks (and the bytes they hold) exist
 * at once, however many there are.
 *
 * A task that throws (or an iterable that throws) stops the run: no new task starts, the ones in flight
 * are awaited — so that whatever the caller tears down afterwards (a worker thread, a database
 * connection) is no longer in use — and the first error is thrown.
 */
export async function runOrdered<T>(
  tasks: Iterable<() => Promise<T>> | AsyncIterable<() => Promise<T>>,
  concurrency: number,
  onResult: (result: T, index: number) => void,
): Promise<void> {
  const source: Iterator<() => Promise<T>> | AsyncIterator<() => Promise<T>> =
    Symbol.asyncIterator in tasks ? tasks[Symbol.asyncIterator]() : tasks[Symbol.iterator]();
  const results = new Map<number, T>();
  let taken = 0;
  let emitted = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  // One `next()` at a time: an async iterator's results must be taken in order for the indexes.
  let pulling: Promise<unknown> = Promise.resolve();

  const take = (): Promise<{ task: () => Promise<T>; index: number } | undefined> => {
    const next = pulling.then(async () => {
      if (exhausted || failure !== undefined) return undefined;
      const r = await source.next();
      if (r.done === true) {
        exhausted = true;
        return undefined;
      }
      return { task: r.value, index: taken++ };
    });
    pulling = next.catch(() => undefined);
    return next;
  };
  const flush = (): void => {
    while (results.has(emitted)) {
      const r = results.get(emitted) as T;
      results.delete(emitted);
      onResult(r, emitted++);
    }
  };
  const worker = async (): Promise<void> => {
    try {
      for (;;) {
        const next = await take();
        if (next === undefined) return;
        results.set(next.index, await next.task());
        flush();
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  const slots = Array.isArray(tasks) ? Math.min(concurrency, tasks.length) : concurrency;
  await Promise.all(Array.from({ length: Math.max(1, slots) }, worker));
  if (failure !== undefined) throw failure.error;
}
