// Satisfaction: the weighted share of passing holdout observations, with a 95% Wilson interval.
// Observations carry their scenario's weight; the interval uses Kish's effective sample size so
// that weighting cannot make a handful of observations look like certainty.

export interface ScenarioObservations {
  scenarioId: string;
  weight: number;
  passed: number;
  total: number;
}

export interface Satisfaction {
  estimate: number;
  lower: number;
  upper: number;
  /** Number of raw observations behind the estimate. */
  observations: number;
  effectiveObservations: number;
}

export const Z_95 = 1.959963984540054;

export function wilsonInterval(share: number, n: number, z = Z_95): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (share + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((share * (1 - share)) / n + z2 / (4 * n * n))) / denom;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export function satisfaction(scenarios: readonly ScenarioObservations[]): Satisfaction {
  let weightSum = 0;
  let weightSquaredSum = 0;
  let passedWeight = 0;
  let observations = 0;
  for (const s of scenarios) {
    if (s.total <= 0 || s.weight <= 0) continue;
    observations += s.total;
    weightSum += s.weight * s.total;
    weightSquaredSum += s.weight * s.weight * s.total;
    passedWeight += s.weight * s.passed;
  }
  if (observations === 0) return { estimate: 0, lower: 0, upper: 1, observations: 0, effectiveObservations: 0 };
  const estimate = passedWeight / weightSum;
  const effectiveObservations = (weightSum * weightSum) / weightSquaredSum;
  const { lower, upper } = wilsonInterval(estimate, effectiveObservations);
  return { estimate, lower, upper, observations, effectiveObservations };
}

/** The run converges when it is 95% sure satisfaction is at least the threshold, not on one lucky run. */
export function meetsThreshold(s: Satisfaction, threshold: number): boolean {
  return s.lower >= threshold;
}
