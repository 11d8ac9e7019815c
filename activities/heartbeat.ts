// Keeps a long activity visibly alive: a worker that dies mid-step is noticed within the
// heartbeat timeout instead of the step's whole start-to-close timeout, and the step is retried
// elsewhere. Outside an activity (unit tests) the work just runs.
import { Context } from '@temporalio/activity';

export const HEARTBEAT_INTERVAL_MS = 3_000;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Heartbeats while `work` runs; `details` is what a retry finds in `heartbeatDetails` to resume from. */
export async function whileHeartbeating<T>(work: (signal?: AbortSignal) => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = currentContext();
  if (!ctx) return work();
  ctx.heartbeat(details?.());
  const timer = setInterval(() => ctx.heartbeat(details?.()), HEARTBEAT_INTERVAL_MS);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}

/** What the previous attempt of this activity recorded as its progress, if any. */
export function previousHeartbeat<T>(): T | undefined {
  return currentContext()?.info.heartbeatDetails as T | undefined;
}
