// Baseline: a plain Node stream passthrough from stdin to stdout, the floor any Node filter sits on.
process.stdin.pipe(process.stdout);
