// Budget caps under load: runs the demo spec with caps too small to converge, on a real Temporal
// server with the OpenAI twin, and prints how much of each cap was spent. Overshoot must be 0;
// the unspent rest shows how pessimistic the reservation's input bound (one token per byte) is.
// Run: node --import tsx bench/budget-cap.ts
import { demoInput, parseTwinScript, startFactoryTestEnv, startRun, startTwin } from '../test/support/factoryEnv';

// An implementer that works the same way every iteration, so only the budget can end the run.
const tireless = parseTwinScript({
  models: ['gpt-4.1-mini'],
  episodes: [
    {
      name: 'every-iteration',
      turns: [
        { toolCalls: [{ name: 'list_files', arguments: { path: '.' } }] },
        { toolCalls: [{ name: 'write_file', arguments: { path: 'slugify.js', content: "exports.slugify = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');\n" } }] },
        { toolCalls: [{ name: 'run_command', arguments: { command: 'node -e "require(\'./slugify\')"' } }] },
        { toolCalls: [{ name: 'finish', arguments: { summary: 'again' } }] },
      ],
    },
  ],
});

async function main(): Promise<void> {
  const t = await startFactoryTestEnv();
  const caps = [0.003, 0.005, 0.01, 0.02, 0.05];
  let worstOvershootUsd = 0;
  console.log('command: node --import tsx bench/budget-cap.ts');
  console.log('capUsd    spentUsd   spent/cap  llmCalls  outcome');
  try {
    for (const capUsd of caps) {
      const twin = await startTwin(tireless);
      try {
        // A threshold no candidate can reach keeps the run spending until the cap stops it.
        const handle = await startRun(t, demoInput(twin, { budgetUsd: capUsd, threshold: 0.999, maxIterations: 50 }));
        const r = await handle.result();
        worstOvershootUsd = Math.max(worstOvershootUsd, r.spentUsd - capUsd);
        console.log(
          `${capUsd.toFixed(4)}    ${r.spentUsd.toFixed(6)}   ${(r.spentUsd / capUsd).toFixed(3)}      ${String(twin.requests().length).padEnd(8)}  ${r.outcome}`,
        );
      } finally {
        await twin.close();
      }
    }
  } finally {
    await t.close();
  }
  console.log(`worst overshoot: ${worstOvershootUsd > 0 ? worstOvershootUsd.toFixed(9) : 0} USD`);
}

void main();
