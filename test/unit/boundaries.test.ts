// The determinism boundary is drawn by module: workflow code and the shared domain import nothing
// that touches Node, the clock, randomness or I/O. Activities may be imported for their types only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..');
const IMPORT = /^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;

function importsOf(folder: string): Array<{ file: string; typeOnly: boolean; spec: string }> {
  return fs
    .readdirSync(path.join(REPO, folder))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const text = fs.readFileSync(path.join(REPO, folder, f), 'utf8');
      return [...text.matchAll(IMPORT)].map((m) => ({ file: `${folder}/${f}`, typeOnly: Boolean(m[1]), spec: m[2]! }));
    });
}

test('domain/ imports only zod and itself', () => {
  for (const i of importsOf('domain')) {
    assert.ok(i.spec === 'zod' || i.spec.startsWith('./'), `${i.file} imports ${i.spec}`);
  }
});

test('workflows/ import only the workflow SDK, domain/, each other, and activity types', () => {
  for (const i of importsOf('workflows')) {
    const allowed =
      i.spec === '@temporalio/workflow' ||
      i.spec.startsWith('./') ||
      i.spec.startsWith('../domain/') ||
      (i.typeOnly && i.spec.startsWith('../activities'));
    assert.ok(allowed, `${i.file} imports ${i.typeOnly ? 'type ' : ''}${i.spec}`);
  }
});

test('no Date.now, Math.random or timers in workflow and domain code', () => {
  for (const folder of ['workflows', 'domain']) {
    for (const f of fs.readdirSync(path.join(REPO, folder)).filter((x) => x.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(REPO, folder, f), 'utf8');
      assert.doesNotMatch(text, /Date\.now|new Date\(|Math\.random|setTimeout|setInterval|process\./, `${folder}/${f}`);
    }
  }
});
