import type { CliCommand } from '../command';
import { replayCommand } from './replay';
import { auditCommand } from './audit';
import { reportCommand } from './report';

/** Every CLI command; a new one is a file in this folder plus one line here. */
export const COMMANDS: readonly CliCommand[] = [replayCommand, auditCommand, reportCommand];
