// What the CLI prints: one line per iteration while a run goes, a summary at the end, and the
// single-line JSON object of --json.
import type { FactoryRunResult, IterationRecord, RunStatus } from '../domain/run';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const usd = (x: number): string => `$${x.toFixed(4)}`;

export function iterationLine(r: IterationRecord): string {
  const s = r.satisfaction;
  return (
    `iteration ${r.iteration}: satisfaction ${pct(s.estimate)} (95% interval ${pct(s.lower)}-${pct(s.upper)}, ` +
    `${r.observations} observations), self-test ${r.selfTestPassed ? 'passed' : 'failed'}, spent ${usd(r.spentUsd)}`
  );
}

export function summaryLines(r: RunStatus): string[] {
  const lines = [`run ${r.runId}: ${r.outcome ?? r.phase} after ${r.history.length} iteration(s)`];
  if (r.best) {
    const s = r.best.satisfaction;
    lines.push(
      `best candidate: iteration ${r.best.iteration}, satisfaction ${pct(s.estimate)} ` +
        `(95% interval ${pct(s.lower)}-${pct(s.upper)}; converges at a lower bound of ${pct(r.threshold)})`,
    );
  }
  const lost = r.lostLlmCalls ? ` (including ${r.lostLlmCalls} call(s) lost in flight, at their worst case)` : '';
  lines.push(`spent ${usd(r.spentUsd)} of ${usd(r.capUsd)} on ${r.model}${lost}`);
  if (r.reason) lines.push(`reason: ${r.reason}`);
  return lines;
}

export function resultJson(r: RunStatus & { exportedTo?: string }): string {
  const sat = r.best?.satisfaction ?? { estimate: 0, lower: 0, upper: 1 };
  return JSON.stringify({
    runId: r.runId,
    outcome: r.outcome ?? null,
    phase: r.phase,
    iterations: r.history.length,
    satisfaction: { estimate: sat.estimate, lower: sat.lower, upper: sat.upper },
    threshold: r.threshold,
    spentUsd: r.spentUsd,
    capUsd: r.capUsd,
    model: r.model,
    reason: r.reason ?? null,
    lostLlmCalls: r.lostLlmCalls,
    bestIteration: r.best?.iteration ?? null,
    exportedTo: r.exportedTo ?? null,
    history: r.history.map((h) => ({ iteration: h.iteration, satisfaction: h.satisfaction, spentUsd: h.spentUsd, selfTestPassed: h.selfTestPassed })),
  });
}

export function exitCodeFor(r: FactoryRunResult | RunStatus): number {
  if (r.outcome === 'converged') return 0;
  if (r.outcome === 'failed') return 1;
  return 3;
}
