// What of a validation may reach the implementer: the satisfaction figure and the feedback
// sentences the holdout's author wrote for failing scenarios. Nothing else: no scenario id,
// command, file or output. This function is the only path from validation to the implementer.
import type { ImplementerFeedback, SatisfactionFigure, ScenarioVerdict } from '../domain/run';

export type { ImplementerFeedback, ScenarioVerdict };

export function feedbackForImplementer(
  previousIteration: number,
  satisfaction: SatisfactionFigure,
  verdicts: readonly ScenarioVerdict[],
): ImplementerFeedback {
  const sentences: string[] = [];
  for (const v of verdicts) {
    if (v.passed < v.total && v.feedback && !sentences.includes(v.feedback)) sentences.push(v.feedback);
  }
  return {
    previousIteration,
    satisfaction: { estimate: satisfaction.estimate, lower: satisfaction.lower, upper: satisfaction.upper },
    sentences,
  };
}
