#!/usr/bin/env node
import 'reflect-metadata';
import { COMMANDS } from './commands';
import { serviceContext } from './context';
import { dispatch } from './dispatcher';

async function main(): Promise<void> {
  const context = serviceContext(process.env);
  try {
    process.exitCode = await dispatch(process.argv.slice(2), context, COMMANDS);
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`genledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 3;
});
