/**
 * The error of a command used wrongly (exit code 2): its own module, so the CLI can recognize it without
 * loading the synthesizer.
 */
/** A mistake in how the command was called (not in the configuration). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
