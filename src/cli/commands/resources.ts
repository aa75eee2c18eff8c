import type { Command } from 'commander';
import type { MachineResources } from '../../contract/api-views';
import { ApiClient } from '../../client/api-client';
import { OUTPUT_OPTION, parseOutputFormat, printObject, renderTable } from '../output';

interface ResourcesOptions {
  gpus?: boolean;
  cpus?: boolean;
  regions?: boolean;
  all?: boolean;
  output: string;
}

/** The tables of `everai resources`, each section under its own heading. */
function resourceTables(r: MachineResources, show: { gpus: boolean; cpus: boolean; regions: boolean }): string {
  const sections: string[] = [];
  if (show.gpus) {
    // One row per GPU model, as a user picks by model (gpuConstraints) and count.
    const models = new Map<string, { model: string; memoryMb: number; count: number }>();
    for (const gpu of r.gpus) {
      const row = models.get(gpu.model) ?? { model: gpu.model, memoryMb: gpu.memoryMb, count: 0 };
      row.count++;
      models.set(gpu.model, row);
    }
    const table = renderTable([...models.values()], [
      { header: 'GPU_MODEL', value: (g) => g.model },
      { header: 'MEMORY_MB', value: (g) => g.memoryMb },
      { header: 'COUNT', value: (g) => g.count },
      { header: 'REGION', value: () => r.region },
    ]);
    sections.push(`GPUs${r.gpus.length === 0 ? ' (none found: no nvidia-smi, or it found no GPU)' : ''}\n${table}`);
  }
  if (show.cpus) {
    const table = renderTable([r.cpu], [
      { header: 'CPU_MODEL', value: (c) => c.model },
      { header: 'CPUS', value: (c) => c.count },
      { header: 'MEMORY_MB', value: () => r.memoryMb },
      { header: 'REGION', value: () => r.region },
    ]);
    sections.push(`CPUs\n${table}`);
  }
  if (show.regions) sections.push(`Regions\n${renderTable([r.region], [{ header: 'REGION', value: (name) => name }])}`);
  return sections.join('\n\n');
}

export function registerResourcesCommand(program: Command): void {
  program
    .command('resources')
    .description('what workers can get: GPUs, CPUs and memory, regions')
    .option('-g, --gpus', 'GPU models and how many')
    .option('-c, --cpus', 'CPUs and memory')
    .option('-r, --regions', 'regions')
    .option('-a, --all', 'everything (the default)')
    .option(...OUTPUT_OPTION)
    .action(async (opts: ResourcesOptions) => {
      const format = parseOutputFormat(opts.output);
      const { resources } = await new ApiClient().get<{ resources: MachineResources }>('/api/v1/resources');
      const any = opts.gpus || opts.cpus || opts.regions;
      const show = { gpus: !any || !!opts.all || !!opts.gpus, cpus: !any || !!opts.all || !!opts.cpus, regions: !any || !!opts.all || !!opts.regions };
      printObject(resources, format, () => resourceTables(resources, show));
    });
}
