// How long the offline demo takes on this machine, from a cold FACTORY_HOME (the Temporal dev
// server starts from scratch) to converged code. The bar: under 3 minutes.
// Run: node --import tsx bench/demo-time.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-bench-'));
const started = process.hrtime.bigint();
const run = spawnSync(process.execPath, [path.join(repo, 'bin', 'factory.js'), 'demo', '--json'], {
  encoding: 'utf8',
  env: { ...process.env, FACTORY_HOME: home },
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
spawnSync(process.execPath, [path.join(repo, 'bin', 'factory.js'), 'stop'], { env: { ...process.env, FACTORY_HOME: home } });
if (run.status !== 0) {
  process.stderr.write(run.stderr);
  process.exit(1);
}
const result = JSON.parse(run.stdout.trim());
console.log('command: node --import tsx bench/demo-time.ts');
console.log(`demo: ${result.outcome} after ${result.iterations} iterations in ${seconds.toFixed(1)} s (cold server start included; bar: 180 s)`);
console.log(`satisfaction ${result.satisfaction.estimate.toFixed(3)} [${result.satisfaction.lower.toFixed(3)}, ${result.satisfaction.upper.toFixed(3)}], spent $${result.spentUsd.toFixed(4)}`);
fs.rmSync(home, { recursive: true, force: true });
