// Starts a private D-Bus session bus with an unlocked gnome-keyring Secret Service, so keychain tests use the real one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

export interface KeyringSession {
  /** Environment for anything that should see this keyring (bus address, a private HOME and XDG dirs). */
  env: Record<string, string>;
  home: string;
  /** Runs libsecret's `secret-tool` on this bus, e.g. ['store', '--label=x', 'service', S, 'username', A]. */
  secretTool(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

const TOOLS = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool'];

/**
 * A running keyring, unlocked (or, with `unlock: false`, one with no login collection at all, as on a fresh headless
 * account), or the reason this machine cannot run one (the caller skips with it).
 */
export async function startKeyring({ unlock = true } = {}): Promise<KeyringSession | string> {
  for (const tool of TOOLS) {
    if ((await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode !== 0) {
      return `${tool} is not installed (Debian: gnome-keyring libsecret-tools dbus dbus-x11)`;
    }
  }
  const home = await mkdtemp(join(tmpdir(), 'keyring-'));
  const runtime = join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const base = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_RUNTIME_DIR: runtime,
  };
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, sleep(2000, undefined, { ref: false })]);
      }
    }
    await rm(home, { recursive: true, force: true });
  };
  try {
    // The daemon prints its address once the bus is listening; --session keeps service activation (gcr prompter etc.).
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], { env: base, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(bus);
    const address = await firstLine(bus);
    const env = { ...base, DBUS_SESSION_BUS_ADDRESS: address };
    // --unlock reads the login password on stdin and creates the login collection with it on first use.
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', ...(unlock ? ['--unlock'] : []), '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(keyring);
    keyring.stdin?.end(unlock ? 'test-password' : '');
    // The daemon answers before it owns the name, and a wrong password still exits 0: wait for both facts.
    await until(async () => /boolean true/.test(await dbusSend(env, ['--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'])), 'org.freedesktop.secrets to have an owner');
    if (unlock) await until(async () => /boolean false/.test(await dbusSend(env, ['--dest=org.freedesktop.secrets', '/org/freedesktop/secrets/collection/login', 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked'])), 'the login collection to be unlocked');
    return {
      env,
      home,
      secretTool: async (args, input) => (await execa('secret-tool', args, { env, extendEnv: false, input: input ?? '' })).stdout,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function dbusSend(env: Record<string, string>, args: string[]): Promise<string> {
  const result = await execa('dbus-send', ['--session', '--print-reply', '--type=method_call', ...args], { env, extendEnv: false, reject: false });
  return result.stdout;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`keyring helper: timed out waiting for ${what}`);
    await sleep(25);
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (data: Buffer) => {
      text += data.toString();
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end).trim());
    });
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before printing its address`)));
  });
}
