/**
 * Runs tasks with at most `concurrency` in flight and hands results to `onResult` in input order.
 * Used to overlap one file's database round trips and commit with the next file's decoding.
 */
export async function runOrdered<T>(
  tasks: (() => Promise<T>)[],
  concurrency: number,
  onResult: (result: T, index: number) => void,
): Promise<void> {
  const results = new Map<number, T>();
  let next = 0;
  let emitted = 0;
  const flush = (): void => {
    while (results.has(emitted)) {
      const r = results.get(emitted) as T;
      results.delete(emitted);
      onResult(r, emitted++);
    }
  };
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results.set(i, await tasks[i]!());
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
}
