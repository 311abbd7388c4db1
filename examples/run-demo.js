// npm run demo: the node example under the entrypoint with fake secrets, one request, a clean SIGTERM stop.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/sinch-entrypoint.cjs', import.meta.url));
const dir = 'examples/node-function';

// Fake values, given the way a platform or `docker run -e` would: in the environment. Every source (keychain, mounted
// files, the platform store) ends the same way, so env keeps the demo free of set-up.
const secrets = {
  STRIPE_SECRET_KEY: 'sk_test_51DemoOnly4eC39HqLyjWDarjtT1zdp7dc',
  ELEVENLABS_API_KEY: 'el_demo_9f8e7d6c5b4a39281706',
  PROJECT_ID: 'demo-project-7d1c',
  PROJECT_ID_API_KEY: 'demo-key-id-0a9b8c7d',
  PROJECT_ID_API_SECRET: 'demo-key-secret-6e5f4d3c2b1a',
};
const tag = process.stdout.isTTY && !process.env.NO_COLOR ? '\x1b[36mdemo:\x1b[0m' : 'demo:';
const say = (line) => console.log(`${tag} ${line}`);

say(`fake secrets in the environment: STRIPE_SECRET_KEY=${secrets.STRIPE_SECRET_KEY} (and ${Object.keys(secrets).length - 1} more)`);
say(`running: sinch-entrypoint --dir ${dir}   (no command: sinch.json says nodejs20, so \`node ${dir}/index.js\`)`);
say('the function logs its Stripe key on purpose; watch what reaches the terminal:\n');

const entry = spawn(process.execPath, [bin, '--dir', dir, '--environment', 'development'], {
  cwd: root,
  env: { ...process.env, ...secrets, PORT: '0', HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let seen = '';
let requested = false;
for (const [from, to] of [[entry.stdout, process.stdout], [entry.stderr, process.stderr]]) {
  from.setEncoding('utf8');
  from.on('data', (text) => {
    to.write(text);
    seen += text;
    const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
    if (url && !requested) {
      requested = true;
      request(url);
    }
  });
}

/** One request (the function logs it, key included), then the stop a platform would send. */
function request(url) {
  get(url, (response) => {
    response.resume();
    response.on('end', () => {
      console.log('');
      say(`GET ${url} -> ${response.statusCode}; now sending SIGTERM, as docker stop would\n`);
      entry.kill('SIGTERM');
    });
  }).on('error', (error) => fail(`request failed: ${error.message}`));
}

function fail(message) {
  say(`FAILED: ${message}`);
  entry.kill('SIGKILL');
  process.exitCode = 1;
}

const timer = setTimeout(() => fail('the function did not start and stop within 20 s'), 20_000);
entry.on('close', (code, signal) => {
  clearTimeout(timer);
  const leaked = Object.entries(secrets).filter(([, value]) => seen.includes(value)).map(([name]) => name);
  const masked = seen.split('***').length - 1;
  console.log('');
  if (leaked.length > 0) fail(`secret values reached the output: ${leaked.join(', ')}`);
  else if (code !== 0) fail(`the entrypoint exited with ${code ?? signal}`);
  else say(`no secret value reached the terminal (${masked} masked occurrences); clean stop, exit code 0`);
});
