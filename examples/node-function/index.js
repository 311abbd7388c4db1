// A small HTTP function that logs its configuration (a secret included, on purpose) and stops cleanly on SIGTERM.
import { randomUUID } from 'node:crypto';
import { fstatSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';

/** Has sinch-entrypoint mask `value` from now on, as it masks the secrets it gave us (nothing without it). */
function maskFromNowOn(name, value) {
  const fd = Number(process.env.SINCH_ENTRYPOINT_MASK_FD);
  try {
    // Only to the entrypoint's socket: in a process the function started, fd 3 may be another file, or none.
    if (fstatSync(fd).isSocket()) writeSync(fd, JSON.stringify({ name, value }) + '\n');
  } catch {} // not under sinch-entrypoint: nothing is masked, nothing to register
}

const config = {
  mode: process.env.NODE_ENV,
  company: process.env.COMPANY_NAME ?? 'Acme Corp',
  supportNumber: process.env.SUPPORT_NUMBER,
  // Deliberately careless: this is what the entrypoint's redactor is for.
  stripeKey: process.env.STRIPE_SECRET_KEY,
};
console.log(`starting in ${config.mode} mode for ${config.company}; Stripe key: ${config.stripeKey}`);
console.log(JSON.stringify({ level: 'info', msg: 'configuration', ...config }));

// A credential learned at run time (a real function would fetch an OAuth access token): registered, then logged.
const accessToken = `at-${randomUUID()}`;
maskFromNowOn('ACCESS_TOKEN', accessToken);
console.log(`fetched an access token: ${accessToken}`);

const server = createServer((request, response) => {
  console.error(`${request.method} ${request.url} (charging with key ${config.stripeKey})`);
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ hello: config.company, support: config.supportNumber }) + '\n');
});

server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '0.0.0.0', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});

// The entrypoint forwards SIGTERM (docker stop, Kubernetes) and SIGINT (Ctrl-C): finish open requests, then leave.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    console.log(`${signal}: closing the server`);
    server.close(() => {
      console.log('stopped cleanly');
      process.exit(0);
    });
    server.closeIdleConnections();
  });
}
