import { App, Image } from 'everai';
import { IMAGE } from './image_builder';

export const app = new App('get-start', {
  image: Image.fromRegistry(IMAGE),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ten events a second apart; `?n=3&delay=50` makes it shorter, for tests. */
app.service.route('/sse', { methods: ['GET'] }, async function* (req: Request) {
  const query = new URL(req.url).searchParams;
  const n = Number(query.get('n') ?? 10);
  const delay = Number(query.get('delay') ?? 1000);
  for (let i = 0; i < n; i++) {
    yield `hello again ${i}\n\n`;
    await sleep(delay);
  }
});

app.service.route('/hello', { methods: ['GET'] }, () => 'hello world');
