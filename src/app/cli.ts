import { ConfigError } from '../config';

/**
 * Runs a command-line entry point: its answer is the exit code; a configuration problem is printed
 * as it is, any other failure after `failed` (what it means for the person at the terminal).
 */
export function runCli(main: (argv: string[]) => Promise<number>, failed: string): void {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: Error) => {
      console.error(error instanceof ConfigError ? error.message : `${failed}: ${error.message}`);
      process.exit(1);
    });
}
