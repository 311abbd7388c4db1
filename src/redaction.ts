// The compiled redaction of `run` and `redact` under the command line's policy, with its warnings, and run's
// boot self-test.
import { EntrypointError, ExitCode } from './exit-codes.js';
import type { Logger } from './log.js';
import type { RedactArgs } from './options.js';
import { canaryLeak, canarySecret } from './redact/canary.js';
import type { NeedlePolicy, Secret } from './redact/needles.js';
import { compileRedaction, type Redaction, type RedactorStream } from './redact/stream.js';

/** The flags masking reads: check, which takes none of them, passes their defaults. */
export type MaskingArgs = Pick<RedactArgs, 'mask' | 'min-secret-length' | 'raw-limit'>;

/** Compiles the secrets for masking under the length flags, naming on stderr each one too short to mask. */
export function compileSecrets(secrets: Secret[], args: MaskingArgs, log: Logger): Redaction {
  const redaction = compileRedaction(secrets, needlePolicy(args));
  // A key may come several times (the values other sources offered, a trimmed form): named once.
  for (const name of new Set(redaction.tooShort)) log.warn(`not masking ${name}: its value is shorter than ${args['min-secret-length']} bytes (--min-secret-length)`);
  return redaction;
}

function needlePolicy(args: MaskingArgs): NeedlePolicy {
  const minValueBytes = args['min-secret-length'];
  return { minValueBytes, minDerivedBytes: Math.max(8, minValueBytes) };
}

/**
 * The redaction of `run` (and `check`), self-tested before the function may start: a random canary compiled with the
 * secrets must come out masked in every form, whole and split at every byte; if not, exit 70 and no child, since a
 * redactor that leaks in silence is the failure nobody would see. Also how long the self-test took, in ms.
 */
export function testedRedaction(secrets: Secret[], args: MaskingArgs, log: Logger): { redaction: Redaction; selfTestMs: number } {
  const canary = canarySecret(args['min-secret-length']);
  const redaction = compileSecrets([...secrets, canary], args, log);
  const started = performance.now();
  const leak = canaryLeak(redaction, canary, needlePolicy(args), args.mask, args['raw-limit']);
  if (leak) throw new EntrypointError(`self-test failed: a test secret's ${leak} came out unmasked; not starting the function (a bug: please report it)`, ExitCode.software);
  return { redaction, selfTestMs: performance.now() - started };
}

/** Masks values learned while the function runs, from now on; returns those it took (new, long enough). */
export type Learner = (secrets: Secret[], from: string) => Secret[];

/**
 * What the mask channel and the rotation of secrets feed (src/mask-channel.ts, src/watch/): each new value is
 * compiled with every one learned before (a matcher learns one set that holds them all, so there is one learner per
 * run) and learned by `redactors` at once, before they read more input. A value too short to mask is named, with
 * `from`, in a warning.
 */
export function learnInto(redactors: () => RedactorStream[], args: RedactArgs, log: Logger): Learner {
  const learned: Secret[] = [];
  const seen = new Set<string>();
  const policy = needlePolicy(args);
  return (secrets, from) => {
    const taken = secrets.filter((secret) => {
      // A binary value's text is its lossy decoding: two byte strings can share it, so its bytes are in the key too.
      const key = `${secret.name}\0${secret.value}\0${secret.bytes?.toString('base64') ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      if (secret.value !== '' && Buffer.byteLength(secret.value) >= policy.minValueBytes) return true;
      log.warn(`not masking ${secret.name} (${from}): its value is shorter than ${args['min-secret-length']} bytes (--min-secret-length)`);
      return false;
    });
    if (taken.length === 0) return taken;
    learned.push(...taken);
    const redaction = compileRedaction(learned, policy);
    for (const redactor of redactors()) redactor.learn(redaction, args.mask);
    return taken;
  };
}
