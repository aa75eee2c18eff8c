import type { Command } from 'commander';

export function registerWorkerCommands(program: Command): void {
  void program;
}
