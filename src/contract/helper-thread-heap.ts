import type { ResourceLimits } from 'node:worker_threads';

/**
 * The heap of a helper thread that lives as long as its process (the hash, write and file threads).
 * V8 sets a new isolate's first old-generation limit at half its maximum, which a thread inherits
 * from the process: hundreds of MB. A thread that keeps a few MB alive but takes a message for each
 * piece of every transfer reached it slowly, never collecting on the way: in the server, one grew
 * by 1.2-1.5 MB of dead messages a round of pushing and pulling 10,000 files, 55 MB in 40 rounds.
 * Capped so, it collects by 16 MB. What these threads hold alive is what one message carries (a
 * touch goes 10,000 paths a message), about 4 MB in those rounds.
 */
export const HELPER_THREAD_HEAP: ResourceLimits = { maxOldGenerationSizeMb: 32 };
