// Activity failures the retry policy must tell apart; whether one is final is decided where it is born.
import { ApplicationFailure } from '@temporalio/common';

/** Bad input or a broken invariant: retrying cannot help, so the run ends with this message. */
export function finalFailure(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** A passing fault (e.g. a 429): retried, after `retryAfterMs` when the service said how long to wait. */
export function retryableFailure(message: string, type: string, retryAfterMs?: number): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: false, nextRetryDelay: retryAfterMs });
}
