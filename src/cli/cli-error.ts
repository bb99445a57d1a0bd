/** A failure the CLI reports as one or more plain lines and an exit code; never a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Machine-readable form for `--json` output. */
    readonly json?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
