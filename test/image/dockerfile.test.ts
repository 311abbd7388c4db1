// Dockerfile.example exactly as committed, built and run with a real container runtime (podman), over the example
// function's folder as its comments say. npm test runs this folder on its own, after the rest: a fresh machine makes
// its base image first, which takes longer than the suite's per-file limit.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE, baseImage, podman, podmanUnavailable } from '../helpers/podman.js';

const root = join(import.meta.dirname, '..', '..');
const IMAGE = 'localhost/sinch-entrypoint-test-function:latest';
const secret = 'sk_live_container_test_0123456789';
// examples/node-function/.env declares two keys; every run gives the second one from the environment.
const voice = 'el_container_test_abcdef0123456789';
const VOICE = ['-e', `ELEVENLABS_API_KEY=${voice}`];
// The image's Node: the first Node 20 release of .ci/node-releases, not the one that packs the package here, so the
// install script's code cache for the image's own Node is what a start uses.
const release = readFileSync(join(root, '.ci', 'node-releases'), 'utf8').split('\n').find((line) => /^20\./.test(line))!;
const node = join(process.env.SINCH_TEST_NODES ?? join(root, '.ci', 'nodes'), release, 'bin', 'node');
const unavailable = podmanUnavailable() ?? (existsSync(node) ? undefined : `${node} is missing (.ci/run installs it)`);
const containers = new Set<string>();

/** A free TCP port on 127.0.0.1 (the containers share the host's network: no registry, no bridge needed). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the image detached with `args` (podman run options, then the image's arguments after IMAGE). */
function start(name: string, args: string[], command: string[] = []): void {
  containers.add(name);
  podman(['run', '-d', '--name', name, '--network', 'host', ...VOICE, ...args, IMAGE, ...command]);
}

const logs = (name: string): string => {
  const result = spawnSync('podman', ['logs', name], { encoding: 'utf8' });
  return result.stdout + result.stderr;
};

async function until(name: string, pattern: RegExp, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pattern.test(logs(name))) {
    if (Date.now() > end) throw new Error(`${name}: no ${pattern} in ${ms} ms; logs:\n${logs(name)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The container's exit code once it has stopped. */
function exitCode(name: string): number {
  podman(['wait', name]);
  return Number(podman(['inspect', name, '--format', '{{.State.ExitCode}}']).trim());
}

describe('Dockerfile.example in podman', { skip: unavailable ?? false }, () => {
  before(() => {
    baseImage(node);
    // The function's folder as a user has it: the example, this Dockerfile, a .dockerignore as its comment says,
    // and the entrypoint's tarball from `npm pack`.
    const context = mkdtempSync(join(tmpdir(), 'container-context-'));
    cpSync(join(root, 'examples', 'node-function'), context, { recursive: true });
    copyFileSync(join(root, 'Dockerfile.example'), join(context, 'Dockerfile'));
    writeFileSync(join(context, '.dockerignore'), '.git\nnode_modules\nsecrets/\n.env.*\n*.pem\n');
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', context], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    // The host's network: the build's apt-get and npm reach their registries as the host does.
    podman(['build', '--quiet', '--network', 'host', '-t', IMAGE, context], { timeout: 600_000 });
  }, { timeout: 600_000 });
  after(() => {
    for (const name of containers) spawnSync('podman', ['rm', '-f', '-t', '0', name]);
    spawnSync('podman', ['secret', 'rm', 'sinch-test-stripe']);
    spawnSync('podman', ['rmi', '-f', IMAGE]);
  });

  it('boots the function under tini and the entrypoint as uid 1000, masks an env secret, and `podman stop` drains it with its exit code', async () => {
    const port = await freePort();
    start('sinch-test-boot', ['-e', `STRIPE_SECRET_KEY=${secret}`, '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1']);
    await until('sinch-test-boot', /listening on http:\/\/127\.0\.0\.1:/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
    await until('sinch-test-boot', /GET \/ \(charging with key/);
    // PID 1 is tini; every process of the container runs as the image's `node` user.
    assert.match(podman(['exec', 'sinch-test-boot', 'cat', '/proc/1/cmdline']).replaceAll('\0', ' '), /^tini -- sinch-entrypoint --environment production -- node index\.js/);
    const uids = podman(['exec', 'sinch-test-boot', 'sh', '-c', 'grep -h ^Uid: /proc/[0-9]*/status']).trim().split('\n');
    assert.ok(uids.length >= 4, uids.join('\n')); // tini, the entrypoint, node, and this shell
    for (const line of uids) assert.match(line, /^Uid:\s+1000\s+1000\s+1000\s+1000$/);
    // The install script made the code cache for the image's Node, which is not the one that packed it.
    const key = podman(['exec', 'sinch-test-boot', 'head', '-c', '60', '/opt/sinch-entrypoint/node_modules/sinch-entrypoint/dist/sinch-entrypoint.cjs.cache']);
    assert.match(key, new RegExp(`^sinch-entrypoint code cache 1 v${release.replaceAll('.', '\\.')} `));
    podman(['stop', '-t', '15', 'sinch-test-boot']);
    assert.equal(exitCode('sinch-test-boot'), 0);
    const output = logs('sinch-test-boot');
    assert.match(output, /starting in production mode for Acme Corp; Stripe key: \*\*\*/);
    assert.match(output, /SIGTERM: closing the server\n[^]*stopped cleanly/);
    assert.ok(!output.includes(secret) && !output.includes(voice), output);
  });

  it('masks a mounted secret readable by uid 1000 (a podman secret), and a root-only file is exit 78 naming the uid', async () => {
    // From a file: podman takes `-` only from a named pipe, and Node gives a child a socket.
    const file = join(mkdtempSync(join(tmpdir(), 'container-secret-')), 'stripe');
    writeFileSync(file, `${secret}\n`);
    podman(['secret', 'create', 'sinch-test-stripe', file]);
    start('sinch-test-secret', ['--secret', 'sinch-test-stripe,target=STRIPE_SECRET_KEY,uid=1000,mode=0400', '-e', 'PORT=0', '-e', 'HOST=127.0.0.1']);
    await until('sinch-test-secret', /listening on/);
    podman(['stop', '-t', '15', 'sinch-test-secret']);
    const output = logs('sinch-test-secret');
    assert.match(output, /Stripe key: \*\*\*/);
    assert.ok(!output.includes(secret), output);

    const mounted = mkdtempSync(join(tmpdir(), 'container-secrets-'));
    chmodSync(mounted, 0o755);
    writeFileSync(join(mounted, 'STRIPE_SECRET_KEY'), `${secret}\n`, { mode: 0o400 });
    start('sinch-test-eacces', ['-v', `${mounted}:/run/secrets:ro`]);
    assert.equal(exitCode('sinch-test-eacces'), 78);
    assert.match(logs('sinch-test-eacces'), /error: \/run\/secrets\/STRIPE_SECRET_KEY: cannot be read \(EACCES\): uid 1000 \(gid 1000\) needs read access/);
  });

  it('SIGKILLs a function that ignores SIGTERM after --stop-timeout (137), before podman\'s own deadline', () => {
    const entrypoint = JSON.stringify(['tini', '--', 'sinch-entrypoint', '--environment', 'production', '--stop-timeout', '2', '--']);
    start('sinch-test-stubborn', ['--entrypoint', entrypoint, '-e', `STRIPE_SECRET_KEY=${secret}`], ['node', '-e', "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)"]);
    return until('sinch-test-stubborn', /^up$/m).then(() => {
      const started = Date.now();
      podman(['stop', '-t', '15', 'sinch-test-stubborn']);
      const took = Date.now() - started;
      assert.equal(exitCode('sinch-test-stubborn'), 137);
      assert.ok(took < 10_000, `stopped in ${took} ms: the entrypoint's 2 s, not podman's 15 s`);
      assert.match(logs('sinch-test-stubborn'), /ignoring SIGTERM/);
    });
  });

  it('passes exit codes through: an exit status as it is, a crash as 128+n', () => {
    start('sinch-test-exit', ['-e', `STRIPE_SECRET_KEY=${secret}`], ['node', '-e', 'process.exit(7)']);
    assert.equal(exitCode('sinch-test-exit'), 7);
    start('sinch-test-crash', ['-e', `STRIPE_SECRET_KEY=${secret}`], ['node', '-e', "process.kill(process.pid, 'SIGSEGV')"]);
    assert.equal(exitCode('sinch-test-crash'), 139);
  });

  it(`runs on the ${BASE} made here from Node ${release}`, () => {
    assert.equal(podman(['run', '--rm', '--network', 'none', '--entrypoint', 'node', IMAGE, '--version']).trim(), `v${release}`);
  });
});
