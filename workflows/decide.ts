// Pure decisions of the convergence loop, kept apart from Temporal so they are tested directly.
import type { BestCandidate, RunOutcome, SatisfactionFigure } from '../domain/run';

export type Decision = { kind: 'retry' } | { kind: 'stop'; outcome: RunOutcome };

export interface DecideInput {
  satisfaction: SatisfactionFigure;
  threshold: number;
  iteration: number;
  maxIterations: number;
  budgetExhausted: boolean;
  cancelled: boolean;
}

/** Converged wins over every other ending: a run that got there on its last cent still got there. */
export function decide(i: DecideInput): Decision {
  if (i.satisfaction.lower >= i.threshold) return { kind: 'stop', outcome: 'converged' };
  if (i.cancelled) return { kind: 'stop', outcome: 'cancelled' };
  if (i.budgetExhausted) return { kind: 'stop', outcome: 'budget_exhausted' };
  if (i.iteration >= i.maxIterations) return { kind: 'stop', outcome: 'max_iterations' };
  return { kind: 'retry' };
}

/** The better candidate is the one we are surer of: higher lower bound, then higher estimate, then newer. */
export function pickBest(current: BestCandidate | undefined, next: BestCandidate): BestCandidate {
  if (!current) return next;
  if (next.satisfaction.lower !== current.satisfaction.lower) {
    return next.satisfaction.lower > current.satisfaction.lower ? next : current;
  }
  return next.satisfaction.estimate >= current.satisfaction.estimate ? next : current;
}
