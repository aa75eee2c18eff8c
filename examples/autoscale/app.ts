import { App, Image, Placeholder, SimpleAutoScaler } from 'everai';
import { IMAGE } from './image_builder';

/** The autoscaler's arguments live in this configmap: `everai configmap update` rescales at once. */
const CONFIGMAP = 'autoscale-configmap';
const arg = (key: string) => new Placeholder(CONFIGMAP, key, { kind: 'ConfigMap' });

export const app = new App('autoscale', {
  image: Image.fromRegistry(IMAGE),
  // One request at a time per worker, as a GPU model serves one batch: a burst must queue or scale.
  concurrency: 1,
  configmapRequests: [CONFIGMAP],
  autoscaler: new SimpleAutoScaler({
    minWorkers: arg('min_workers'),
    maxWorkers: arg('max_workers'),
    maxQueueSize: arg('max_queue_size'),
    scaleUpStep: arg('scale_up_step'),
    maxIdleTime: arg('max_idle_time'),
  }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A slow model call: 1.5 s (`?ms=` changes it), then which worker answered. */
app.service.route('/work', { methods: ['GET'] }, async (req: Request) => {
  await sleep(Number(new URL(req.url).searchParams.get('ms') ?? 1500));
  return `served by ${process.env.EVERAI_WORKER_ID ?? 'this process'}\n`;
});
