import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SpawnHelper } from './spawn-helper';

const run = promisify(execFile);

/**
 * Every worker's own network namespace, joined to this machine by a veth pair with a /30 of its
 * own: the gateway reaches the worker's address, the worker reaches the outside through NAT, and
 * the filter rules below keep it from anything else on this machine (docs/isolation.md):
 * - INPUT from a worker's veth: only replies to connections this machine opened, so no service
 *   of the host (bound to any address) answers a worker;
 * - FORWARD between two workers' veths: dropped, so one worker never reaches another;
 * - loopback: a worker's 127.0.0.1 is its own namespace's, and the kernel drops packets for the
 *   host's 127.0.0.0/8 arriving from outside (martians), so the API on loopback is out of reach;
 * - neither end of the pair has an IPv6 address, so no link-local path goes around the rules;
 * - the subnet is unreachable but for the slots in use: nothing for a worker's address leaves the machine.
 */

/** Worker addresses: 10.201.0.0/16 cut in /30s, one per slot (16,384 workers on one machine). */
const SUBNET = '10.201.0.0/16';
const SLOTS = 16_384;
/** Host-side interface names share this prefix; the rules match it (`ev+`). */
const IFACE_PREFIX = 'ev';
const NETNS_PREFIX = 'everai-';
/** Slots are claimed machine-wide (several servers may share a machine, as tests do). */
const CLAIMS_DIR = '/run/everai/net';

export interface WorkerAddress {
  slot: number;
  /** The worker's address, which the gateway connects to. */
  ip: string;
  /** The bind-mountable namespace the container joins. */
  netnsPath: string;
}

function addressOf(slot: number, offset: 1 | 2): string {
  const n = slot * 4 + offset;
  return `10.201.${n >> 8}.${n & 255}`;
}

function names(slot: number): { iface: string; netns: string } {
  return { iface: `${IFACE_PREFIX}${slot}`, netns: `${NETNS_PREFIX}${slot}` };
}


/** One rule, added unless it is there already (`-C` checks), so restarts and several servers agree. */
async function ensureRule(binary: string, table: string, chain: string, rule: readonly string[]): Promise<void> {
  try {
    await run(binary, ['-w', '-t', table, '-C', chain, ...rule]);
  } catch {
    await run(binary, ['-w', '-t', table, '-I', chain, ...rule]);
  }
}

/** The name a prepared but unused slot is claimed under. */
const SPARE = 'spare';

export class WorkerNetwork {
  private rules: Promise<void> | undefined;
  /**
   * One slot built ahead of need, so a worker start does not wait for `ip`: building one takes
   * two process starts and several netlink round trips, tens of milliseconds on the start path.
   */
  private spare: Promise<WorkerAddress> | undefined;

  /**
   * `owner`: written in each claim, so a restarted server knows its own slots. `spawner` runs `ip`
   * (spawn-helper.ts): a spare is built while a worker starts, whose path the server's own fork would block.
   */
  constructor(
    private readonly owner: string,
    private readonly spawner: SpawnHelper,
  ) {}

  private async ip(args: readonly string[], batch: string): Promise<void> {
    const { code, stderr } = await this.spawner.run('ip', [...args, '-batch', '-'], batch);
    if (code !== 0) throw new Error(`ip ${args.join(' ')}: ${stderr.trim()}`);
  }

  /** The machine-wide rules, once per server start. */
  private ensureRules(): Promise<void> {
    return (this.rules ??= (async () => {
      const any = `${IFACE_PREFIX}+`;
      // Order matters with -I (each goes first): the ACCEPT must end above the DROP.
      await ensureRule('iptables', 'filter', 'INPUT', ['-i', any, '-j', 'DROP']);
      await ensureRule('iptables', 'filter', 'INPUT', ['-i', any, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
      await ensureRule('iptables', 'filter', 'FORWARD', ['-i', any, '-o', any, '-j', 'DROP']);
      await ensureRule('iptables', 'nat', 'POSTROUTING', ['-s', SUBNET, '!', '-o', any, '-j', 'MASQUERADE']);
      // A slot's /30 route goes with its veth. Without this, a connection to a worker gone (a retry
      // HAProxy sends to a worker just killed, a worker calling a neighbour that left) would follow
      // the default route off this machine, to whatever answers there, or hang until its timeout.
      // Unreachable, it fails at once (EHOSTUNREACH), as a proxy's retry needs.
      await run('ip', ['route', 'replace', 'unreachable', SUBNET]);
      // Outbound traffic (models get downloaded) is routed by this machine.
      await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    })().catch((error: unknown) => {
      this.rules = undefined;
      throw new Error(`could not set up the workers' network rules (is iptables installed?): ${(error as Error).message}`, { cause: error });
    }));
  }

  /** A slot for the worker: the spare one when it is ready, else one built now; a new spare is built behind it. */
  async create(workerId: string): Promise<WorkerAddress> {
    const spare = this.spare;
    this.spare = undefined;
    const address = (await spare?.catch(() => undefined)) ?? (await this.build(SPARE));
    await fs.writeFile(join(CLAIMS_DIR, String(address.slot)), `${this.owner}\n${workerId}\n`);
    this.spare = this.build(SPARE);
    // Its failure shows when a worker takes it, and then a slot is built in its place.
    this.spare.catch(() => undefined);
    return address;
  }

  /** Claims a free slot for `claimant` and builds its namespace and veth pair. */
  private async build(claimant: string): Promise<WorkerAddress> {
    await this.ensureRules();
    const slot = await this.claim(claimant);
    const { iface, netns } = names(slot);
    try {
      // `addrgenmode none`: no IPv6 link-local address on either end, so no path around the rules.
      const host = [`netns add ${netns}`, `link add ${iface} type veth peer name eth0 netns ${netns}`, `link set ${iface} addrgenmode none`];
      // A namespace left by a crash between a release's two steps is removed, then built anew.
      const built = () => this.ip([], [...host, `addr add ${addressOf(slot, 1)}/30 dev ${iface}`, `link set ${iface} up`].join('\n'));
      await built().catch(async () => {
        await removeLinks(slot);
        await built();
      });
      const inside = ['link set eth0 addrgenmode none', `addr add ${addressOf(slot, 2)}/30 dev eth0`, 'link set lo up', 'link set eth0 up'];
      await this.ip(['-n', netns], [...inside, `route add default via ${addressOf(slot, 1)}`].join('\n'));
    } catch (error) {
      await this.release(slot);
      throw error;
    }
    return { slot, ip: addressOf(slot, 2), netnsPath: `/run/netns/${netns}` };
  }

  /** Removes the slot's namespace and links and frees it (releaseSlot). */
  release(slot: number): Promise<void> {
    return releaseSlot(slot);
  }

  /** Frees the spare slot (the server stops). */
  async close(): Promise<void> {
    const spare = await this.spare?.catch(() => undefined);
    this.spare = undefined;
    if (spare) await this.release(spare.slot);
  }

  /** This server's claimed slots, by worker id (claimedSlots). */
  claimed(): Promise<Map<string, number>> {
    return claimedSlots(this.owner);
  }

  /**
   * A free slot, claimed by creating its file exclusively (another server may race for it). The
   * search starts at a random slot, so a slot just freed is not handed out again at once: a
   * connection or retry still aimed at the old worker's address must never reach a new one.
   */
  private async claim(claimant: string): Promise<number> {
    await fs.mkdir(CLAIMS_DIR, { recursive: true, mode: 0o700 });
    const taken = new Set((await fs.readdir(CLAIMS_DIR)).map(Number));
    const start = randomInt(SLOTS);
    for (let i = 0; i < SLOTS; i++) {
      const slot = (start + i) % SLOTS;
      if (taken.has(slot)) continue;
      try {
        await fs.writeFile(join(CLAIMS_DIR, String(slot)), `${this.owner}\n${claimant}\n`, { flag: 'wx' });
        return slot;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new Error(`every one of the ${SLOTS} worker addresses is taken`);
  }
}

/** Removes the namespace (its end of the pair goes with it, and so does ours) and frees the slot. */
export async function releaseSlot(slot: number): Promise<void> {
  await removeLinks(slot);
  await fs.rm(join(CLAIMS_DIR, String(slot)), { force: true });
}

async function removeLinks(slot: number): Promise<void> {
  const { iface, netns } = names(slot);
  await run('ip', ['netns', 'delete', netns]).catch(() => undefined);
  await run('ip', ['link', 'delete', iface]).catch(() => undefined);
}

/** The slots `owner` (a server's data folder) claimed, by worker id (what a restart must adopt or free; a spare's id is never a worker's). */
export async function claimedSlots(owner: string): Promise<Map<string, number>> {
  const mine = new Map<string, number>();
  for (const name of await fs.readdir(CLAIMS_DIR).catch(() => [] as string[])) {
    const text = await fs.readFile(join(CLAIMS_DIR, name), 'utf8').catch(() => '');
    const [claimOwner, workerId] = text.split('\n');
    if (claimOwner === owner && workerId) mine.set(workerId, Number(name));
  }
  return mine;
}
