import { EveraiError } from '../../contract/errors';
import { findHaproxy } from './haproxy/haproxy-binary';

/** What `--data-plane` takes: `auto` is HAProxy where it is installed, else the Node gateway alone. */
export const DATA_PLANE_CHOICES = ['auto', 'haproxy', 'node'] as const;
export type DataPlaneChoice = (typeof DATA_PLANE_CHOICES)[number];

/** The plane that runs, and in words for the server's first lines; for HAProxy, the binary to start. */
export type ChosenDataPlane = { kind: 'node'; description: string } | { kind: 'haproxy'; binary: string; description: string };

/**
 * The plane a choice comes to on this machine. `haproxy` asked for where it is not installed is
 * refused, naming the package, rather than run another plane than the one asked for.
 */
export async function chooseDataPlane(choice: DataPlaneChoice): Promise<ChosenDataPlane> {
  if (choice === 'node') return { kind: 'node', description: 'data plane: node, the Node gateway alone (--data-plane node)' };
  const binary = await findHaproxy();
  if (binary) {
    return { kind: 'haproxy', binary, description: `data plane: haproxy (${binary}) on the listen address, the Node gateway behind it; --data-plane node for the Node gateway alone` };
  }
  if (choice === 'haproxy') {
    const wanted = process.env.EVERAI_HAPROXY ?? 'haproxy';
    throw new EveraiError('EVERAI_USAGE', `--data-plane haproxy: no ${wanted} to run; install HAProxy (apt-get install -y haproxy), or run with --data-plane node`);
  }
  return { kind: 'node', description: 'data plane: node, the Node gateway alone (HAProxy is not installed; apt-get install -y haproxy makes it the data plane)' };
}
