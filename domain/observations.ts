// Turns a scenario command's output into observations: each TAP test point or JUnit test case
// is one; a command that prints neither is one observation judged by its exit code.

export interface ObservationCount {
  passed: number;
  total: number;
  format: 'tap' | 'junit' | 'exit-code';
}

const TAP_POINT = /^(\s*)(not ok|ok)\b(?:\s+\d+)?([^#\n]*)(?:#\s*(\w+))?/;

const TAP_PLAN = /^1\.\.(\d+)\s*$/;

/**
 * Leaf TAP test points: a point whose predecessor was indented deeper is a parent (node --test
 * nests subtests). A top-level plan that disagrees with the top-level points means something
 * else printed TAP-like lines (the candidate itself, say): the count is not trusted then.
 */
export function countTap(output: string): { passed: number; total: number } | undefined {
  const points: Array<{ indent: number; ok: boolean; skipped: boolean }> = [];
  let plannedTopLevel: number | undefined;
  for (const line of output.split('\n')) {
    const plan = TAP_PLAN.exec(line);
    if (plan) plannedTopLevel = Number(plan[1]);
    const m = TAP_POINT.exec(line);
    if (!m) continue;
    const directive = (m[4] ?? '').toUpperCase();
    points.push({ indent: m[1]!.length, ok: m[2] === 'ok', skipped: directive === 'SKIP' || directive === 'TODO' });
  }
  if (!points.length) return undefined;
  if (plannedTopLevel !== undefined && points.filter((p) => p.indent === 0).length !== plannedTopLevel) return undefined;
  let passed = 0;
  let total = 0;
  points.forEach((p, i) => {
    const prev = points[i - 1];
    const isParent = prev !== undefined && prev.indent > p.indent;
    if (isParent || p.skipped) return;
    total += 1;
    if (p.ok) passed += 1;
  });
  return total ? { passed, total } : undefined;
}

export function countJUnit(output: string): { passed: number; total: number } | undefined {
  const cases = output.match(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g);
  if (!cases?.length) return undefined;
  let passed = 0;
  let total = 0;
  for (const c of cases) {
    if (/<skipped\b/.test(c)) continue;
    total += 1;
    if (!/<(failure|error)\b/.test(c)) passed += 1;
  }
  return total ? { passed, total } : undefined;
}

/**
 * A command that crashed or timed out after printing passing tests still failed: it adds one
 * failing observation, so a lucky partial run cannot count as a clean pass.
 */
export function countObservations(stdout: string, exitCode: number | null, stdoutTruncated = false): ObservationCount {
  const failedProcess = exitCode !== 0;
  // Cut output may have lost its failures: only the exit code can be trusted then.
  if (stdoutTruncated) return { passed: failedProcess ? 0 : 1, total: 1, format: 'exit-code' };
  const tap = countTap(stdout);
  if (tap) return withProcessFailure({ ...tap, format: 'tap' }, failedProcess);
  const junit = countJUnit(stdout);
  if (junit) return withProcessFailure({ ...junit, format: 'junit' }, failedProcess);
  return { passed: failedProcess ? 0 : 1, total: 1, format: 'exit-code' };
}

function withProcessFailure(c: ObservationCount, failedProcess: boolean): ObservationCount {
  if (failedProcess && c.passed === c.total) return { ...c, total: c.total + 1 };
  return c;
}
