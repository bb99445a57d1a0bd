/** Exit code for configuration refusals (sysexits EX_CONFIG), as the real gateway uses. */
export const EXIT_CONFIG = 78;

/** A refusal to start: printed as-is (one or more lines) and mapped to an exit code. */
export class StartupError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_CONFIG) {
    super(message);
    this.name = 'StartupError';
  }
}
