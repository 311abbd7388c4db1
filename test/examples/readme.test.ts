// The README's two commands on a clean clone, as a newcomer (and CI) runs them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// The fenced block under "## Two commands": one command per line, comments after `#`.
const block = /## Two commands[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const [mainJob, testJob] = block.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
const skip = existsSync(join(root, '.git')) ? false : 'not a git checkout, so no clean clone to make';

describe("the README's two commands", { skip }, () => {
  it('names a main-job command and the test command CI runs', () => {
    assert.equal(mainJob, 'npm ci && npm run demo');
    assert.equal(testJob, '.ci/run');
    // .ci/run ends with exactly the test command the README names.
    const ci = readFileSync(join(root, '.ci/run'), 'utf8').trim().split('\n');
    assert.equal(ci.at(-1), 'npm test');
    assert.match(readme, /The test command is `npm test`/);
  });

  it('npm test runs every test file under test/, each once', () => {
    const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.test as string;
    const globs = script.split(/\s+/).filter((word) => word.startsWith('test/') && word.endsWith('.test.ts'));
    const matches = (file: string): number =>
      globs.filter((glob) => new RegExp(`^${glob.replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`).test(file)).length;
    const files = (readdirSync(join(root, 'test'), { recursive: true }) as string[]).map((f) => `test/${f}`).filter((f) => f.endsWith('.test.ts'));
    assert.ok(files.length > 20, files.join(' '));
    for (const file of files) assert.equal(matches(file), 1, `${file}: matched by ${matches(file)} of npm test's globs (${globs.join(' ')})`);
  });

  it('the main job runs on a clean clone of the committed tree and shows the secrets masked', { timeout: 240_000 }, () => {
    const clone = mkdtempSync(join(tmpdir(), 'clean-clone-'));
    try {
      execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${root}`, clone]);
      const result = spawnSync('bash', ['-c', `${mainJob!.replace('npm ci', 'npm ci --prefer-offline --no-audit --no-fund')}`], {
        cwd: clone,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      });
      assert.equal(result.status, 0, result.stderr.slice(-2000));
      assert.match(result.stdout, /Stripe key: \*\*\*/);
      assert.match(result.stdout, /^stopped cleanly$/m);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
