import { startTestPlatform, type TestPlatform } from '../test/helpers/platform';

/** The runtimes a bench can put its workers on. */
export type RuntimeKind = 'process' | 'container';

/** Runs `measure` against a fresh test server (started with `serverArgs`) whose workers run on `runtime`. */
export async function onRuntime<T>(runtime: RuntimeKind, measure: (platform: TestPlatform) => Promise<T>, serverArgs: readonly string[] = []): Promise<T> {
  // The server inherits EVERAI_RUNTIME, and platform.stop() reads it to sweep containers: it stays set until then.
  const saved = process.env.EVERAI_RUNTIME;
  process.env.EVERAI_RUNTIME = runtime;
  try {
    const platform = await startTestPlatform(serverArgs);
    try {
      return await measure(platform);
    } finally {
      await platform.stop();
    }
  } finally {
    if (saved === undefined) delete process.env.EVERAI_RUNTIME;
    else process.env.EVERAI_RUNTIME = saved;
  }
}
