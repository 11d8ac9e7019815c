// The local sandbox isolates for real: these run commands under bubblewrap.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { executeTool } from '../../agent/tools';
import { BubblewrapSandbox } from '../../sandbox/bubblewrap';

function tempSandbox(extra: Partial<ConstructorParameters<typeof BubblewrapSandbox>[0]> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
  return { dir, sandbox: new BubblewrapSandbox({ id: 't', workspaceDir: dir, ...extra }) };
}

test('the workspace is the only writable place, and the host home and project are invisible', async () => {
  const { dir, sandbox } = tempSandbox();
  const r = await sandbox.run(
    'echo made > here.txt; touch /usr/evil 2>&1; ls /root /work 2>&1; cat /etc/shadow 2>&1; cat /proc/self/status | grep NoNewPrivs',
    { timeoutMs: 10_000 },
  );
  assert.equal(fs.readFileSync(path.join(dir, 'here.txt'), 'utf8'), 'made\n');
  assert.match(r.output, /Read-only file system/);
  assert.match(r.output, /cannot access '\/root'/);
  assert.match(r.output, /cannot access '\/work'/);
  assert.match(r.output, /NoNewPrivs:\s+1/);
  assert.match(r.output, /\/etc\/shadow: No such file/);
  assert.equal(fs.existsSync('/usr/evil'), false);
});

test('the environment is empty of host secrets and there is no network', async () => {
  process.env.FACTORY_TEST_SECRET = 'sk-host-secret';
  const { sandbox } = tempSandbox();
  const r = await sandbox.run(
    'env; node -e "require(\'net\').connect(443, \'1.1.1.1\').on(\'error\', e => console.log(\'net:\', e.code))"',
    { timeoutMs: 15_000 },
  );
  assert.doesNotMatch(r.output, /sk-host-secret/);
  assert.doesNotMatch(r.output, /OPENAI_API_KEY/);
  assert.match(r.output, /net: E(NETUNREACH|CONNREFUSED)/);
});

test('a timeout kills the whole process tree', async () => {
  const { dir, sandbox } = tempSandbox();
  const started = Date.now();
  const r = await sandbox.run('(sleep 5; echo late > late.txt) & sleep 30', { timeoutMs: 1000 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.ok(Date.now() - started < 4000);
  await new Promise((res) => setTimeout(res, 5500));
  assert.equal(fs.existsSync(path.join(dir, 'late.txt')), false, 'a background child outlived the timeout');
});

test('output is capped', async () => {
  const { sandbox } = tempSandbox({ outputCapBytes: 1000 });
  const r = await sandbox.run('yes | head -c 100000', { timeoutMs: 10_000 });
  assert.equal(r.outputTruncated, true);
  assert.ok(r.output.length < 1200);
});

test('a path that leaves the workspace is refused with a message to the agent, symlinks included', async () => {
  const { dir, sandbox } = tempSandbox();
  const outside = await executeTool(sandbox, 'read_file', JSON.stringify({ path: '../../etc/passwd' }));
  assert.equal(outside.ok, false);
  assert.match(outside.content, /outside the workspace/);
  fs.symlinkSync('/etc', path.join(dir, 'etc-link'));
  const viaLink = await executeTool(sandbox, 'read_file', JSON.stringify({ path: 'etc-link/passwd' }));
  assert.match(viaLink.content, /outside the workspace/);
  const write = await executeTool(sandbox, 'write_file', JSON.stringify({ path: '/tmp/x', content: 'x' }));
  assert.match(write.content, /outside the workspace/);
});

test('tool arguments are validated and reported to the agent', async () => {
  const { sandbox } = tempSandbox();
  assert.match((await executeTool(sandbox, 'write_file', '{"path": 3}')).content, /bad arguments for write_file: path/);
  assert.match((await executeTool(sandbox, 'delete_everything', '{}')).content, /unknown tool/);
  assert.match((await executeTool(sandbox, 'run_command', 'not json')).content, /not valid JSON/);
  const w = await executeTool(sandbox, 'write_file', JSON.stringify({ path: 'src/a.js', content: 'console.log(6*7)' }));
  assert.equal(w.ok, true);
  assert.equal((await executeTool(sandbox, 'list_files', '{}')).content, 'src/a.js');
  const run = await executeTool(sandbox, 'run_command', JSON.stringify({ command: 'node src/a.js', timeout_seconds: 10 }));
  assert.match(run.content, /^exit code 0\n42/);
});

test('a dangling symlink cannot be written through to create a file outside the workspace', async () => {
  const { dir, sandbox } = tempSandbox();
  const outside = path.join(os.tmpdir(), `escape-${process.pid}-${Date.now()}`);
  fs.symlinkSync(outside, path.join(dir, 'x'));
  const r = await executeTool(sandbox, 'write_file', JSON.stringify({ path: 'x', content: 'pwned' }));
  assert.match(r.content, /outside the workspace/);
  assert.equal(fs.existsSync(outside), false);
  fs.symlinkSync('loop', path.join(dir, 'loop'));
  assert.match((await executeTool(sandbox, 'read_file', JSON.stringify({ path: 'loop' }))).content, /outside the workspace/);
  // A symlink that stays inside is fine.
  fs.writeFileSync(path.join(dir, 'real.txt'), 'inside');
  fs.symlinkSync('real.txt', path.join(dir, 'alias.txt'));
  assert.equal((await executeTool(sandbox, 'read_file', JSON.stringify({ path: 'alias.txt' }))).content, 'inside');
});

test('file system mistakes come back to the agent as messages; FIFOs and huge files cannot stall the worker', async () => {
  const { dir, sandbox } = tempSandbox();
  fs.writeFileSync(path.join(dir, 'a'), 'x');
  const tool = async (name: string, args: object) => (await executeTool(sandbox, name, JSON.stringify(args))).content;
  assert.equal(await tool('read_file', { path: 'a/b' }), 'error: a part of that path is a file, not a folder');
  assert.equal(await tool('list_files', { path: 'a' }), 'error: a part of that path is a file, not a folder');
  await sandbox.run('mkfifo pipe; truncate -s 3G sparse.bin', { timeoutMs: 10_000 });
  assert.equal(await tool('read_file', { path: 'pipe' }), 'error: "pipe" is not a regular file');
  assert.equal(await tool('write_file', { path: 'pipe', content: 'x' }), 'error: "pipe" is not a regular file');
  const big = await tool('read_file', { path: 'sparse.bin' });
  assert.ok(big.length < 200_000);
  assert.match(big, /\[truncated: the file has 3221225472 bytes\]$/);
  assert.doesNotMatch(await tool('read_file', { path: 'missing/x' }), new RegExp(dir));
});
