/** A failure the CLI reports as one or more plain lines and an exit code; never a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Machine-readable `error` object for `--json` output. */
    readonly json?: Record<string, unknown>,
    /** Top-level keys printed beside `error` with `--json` (e.g. `gateway: {url, urlSource}`). */
    readonly extras?: Record<string, unknown>,
    /** With `--json`, still print the human message on stderr (the real CLI does for refusals). */
    readonly stderrToo = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
