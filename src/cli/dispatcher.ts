import { EXIT, UsageError, type CliCommand, type CliContext } from './command';

const HELP = new Set(['--help', '-h']);

export function overview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: genledger <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `genledger <command> --help` for the options of one command.',
    'The database comes from the same environment as the service (DATABASE_URL, else the embedded one in DATA_DIR).',
    '',
  ].join('\n');
}

/** Finds the command, runs it and turns what happened into an exit code. */
export async function dispatch(
  argv: readonly string[],
  context: CliContext,
  commands: readonly CliCommand[],
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    context.stderr.write(overview(commands));
    return EXIT.usage;
  }
  if (HELP.has(name) || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === args[0]) : undefined;
    context.stdout.write(topic ? `${topic.usage}\n` : overview(commands));
    return EXIT.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    context.stderr.write(`Unknown command ${JSON.stringify(name)}.\n\n${overview(commands)}`);
    return EXIT.usage;
  }
  if (args.some((arg) => HELP.has(arg))) {
    context.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr.write(`${error.message}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    context.stderr.write(
      `genledger ${command.name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT.failure;
  }
}
