import type { Command } from 'commander';

export function registerAppCommands(program: Command): void {
  void program;
}
