import { AppError } from '../common/errors/app-error';
import { ConfigProblem } from './env.schema';

/** Every configuration problem at once; the message is one block meant for a human at the terminal. */
export class ConfigValidationError extends AppError {
  constructor(readonly problems: ConfigProblem[]) {
    super('CONFIG_INVALID', formatProblems(problems));
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map(({ name, problem, allowed }) =>
    allowed ? `  - ${name}: ${problem} (allowed: ${allowed})` : `  - ${name}: ${problem}`,
  );
  return [`Invalid configuration (${count}):`, ...lines].join('\n');
}
