// Maps the development / production switch to the variables each runtime reads to learn where it runs.
import { EntrypointError, ExitCode } from './exit-codes.js';

export type Mode = 'development' | 'production';

const MODES: readonly Mode[] = ['development', 'production'];

/** The mode from --environment, else SINCH_ENVIRONMENT, else development; a bad value names where it came from. */
export function parseEnvironment(flag: string | undefined, fromEnv: string | undefined): Mode {
  const [value, origin] = flag !== undefined ? [flag, '--environment'] : [fromEnv, 'SINCH_ENVIRONMENT'];
  if (value === undefined || value === '') return 'development';
  const mode = value.toLowerCase();
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  // A bad flag is a usage error; a bad variable is the container's configuration.
  const code = origin === '--environment' ? ExitCode.usage : ExitCode.config;
  // The value itself is not shown: whatever sits in a misplaced flag may be a secret.
  throw new EntrypointError(`${origin}: expected development or production`, code);
}

/** The child's mode variables: NODE_ENV for Node.js, ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT for .NET. */
export function modeEnvironment(mode: Mode): Record<string, string> {
  const title = mode === 'production' ? 'Production' : 'Development';
  return { NODE_ENV: mode, ASPNETCORE_ENVIRONMENT: title, DOTNET_ENVIRONMENT: title };
}
