import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadAppDefinition } from '../src/cli/app-definition';
import { AUTOSCALER_ARG_RULES } from '../src/contract/autoscaler-rules';
import { CONFIGMAPS_ENV, LISTEN_HOST_ENV, PORT_ENV, READINESS_PATH, SECRETS_ENV, VOLUMES_ENV } from '../src/contract/worker-env';
import { hostPython } from '../src/contract/python-worker';
import { CLI_ENV, PYTHON_SDK_DIR } from '../src/client/python/python-sdk';
import { RESERVED_PATH_PREFIX } from '../src/sdk/service';
import { WORKER_ID_ENV } from '../src/server/runtime/local/platform-env';
import { PYTHON_MISSING } from './helpers/python';

// The Python SDK is the TypeScript one's twin in another language: the same names in the
// environment, the same rules, and for the same app the same spec document.

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'everai-twin-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A value of the Python SDK, read by Python itself. */
function python(expression: string, module: string): unknown {
  const run = spawnSync(hostPython(), ['-c', `import json, ${module}; print(json.dumps(${expression}))`], {
    env: { ...process.env, PYTHONPATH: PYTHON_SDK_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('both SDKs read the same environment and answer the same probe', { skip: PYTHON_MISSING }, () => {
  const names = 'PORT_ENV LISTEN_HOST_ENV VOLUMES_ENV SECRETS_ENV CONFIGMAPS_ENV APP_FILE_ENV WORKER_ID_ENV READINESS_PATH RESERVED_PATH_PREFIX'.split(' ');
  const contract = python(`{name: getattr(everai.contract, name) for name in ${JSON.stringify(names)}}`, 'everai.contract');
  assert.deepEqual(contract, {
    PORT_ENV,
    LISTEN_HOST_ENV,
    VOLUMES_ENV,
    SECRETS_ENV,
    CONFIGMAPS_ENV,
    // Set by the runtimes (src/server/runtime/local/platform-env.ts).
    APP_FILE_ENV: 'EVERAI_APP_FILE',
    WORKER_ID_ENV,
    READINESS_PATH,
    RESERVED_PATH_PREFIX,
  });
  assert.deepEqual(python('everai.contract.AUTOSCALER_ARG_RULES', 'everai.contract'), AUTOSCALER_ARG_RULES);
  assert.equal(python('everai.volume_manager.CLI_ENV', 'everai.volume_manager'), CLI_ENV);
});

test('the same app written in TypeScript and in Python gives the same spec document', { skip: PYTHON_MISSING }, async () => {
  const ts = appDir({
    'package.json': '{"type": "module", "private": true}\n',
    'app.ts': `import { App, Image, Placeholder, ResourceRequests, SimpleAutoScaler, VolumeRequest } from 'everai';

const secret = (key: string) => new Placeholder('quay-secret', key, { kind: 'Secret' });
export const app = new App('twin', {
  image: Image.fromRegistry('quay.io/someone/twin:v1', { auth: { username: secret('username'), password: secret('password') } }),
  volumeRequests: [new VolumeRequest('get-start-volume')],
  secretRequests: ['quay-secret'],
  configmapRequests: ['twin-configmap'],
  resourceRequests: new ResourceRequests({ cpuNum: 2, memoryMb: 20480, gpuNum: 1, gpuConstraints: { models: ['A100 40G'] } }),
  autoscaler: new SimpleAutoScaler({ minWorkers: 1, maxWorkers: new Placeholder('twin-configmap', 'max_workers', { kind: 'ConfigMap' }), maxQueueSize: 3, maxIdleTime: 60 }),
  concurrency: 2,
  routeAuth: 'public',
  readyTimeoutSeconds: 120,
  maxDrainSeconds: 600,
  queueTimeoutSeconds: 30,
});
app.prepare(() => undefined);
app.service.route('/sse', { methods: ['GET'] }, () => 'x');
`,
  });
  const py = appDir({
    'app.py': `from everai.app import App, VolumeRequest
from everai.autoscaling import SimpleAutoScalingPolicy
from everai.image import BasicAuth, Image
from everai.placeholder import Placeholder
from everai.resource_requests import ResourceRequests

app = App(
    'twin',
    image=Image.from_registry(
        'quay.io/someone/twin:v1',
        auth=BasicAuth(username=Placeholder('quay-secret', 'username', kind='Secret'), password=Placeholder('quay-secret', 'password', kind='Secret')),
    ),
    volume_requests=[VolumeRequest(name='get-start-volume', create_if_not_exists=True)],
    secret_requests=['quay-secret'],
    configmap_requests=['twin-configmap'],
    resource_requests=ResourceRequests(cpu_num=2, memory_mb=20480, gpu_num=1, gpu_constraints=['A100 40G']),
    autoscaling_policy=SimpleAutoScalingPolicy(
        min_workers=1, max_workers=Placeholder('twin-configmap', 'max_workers', kind='ConfigMap'), max_queue_size=3, max_idle_time=60
    ),
    concurrency=2,
    route_auth='public',
    ready_timeout_seconds=120,
    max_drain_seconds=600,
    queue_timeout_seconds=30,
)


@app.prepare()
def prepare():
    pass


@app.service.route('/sse', methods=['GET'])
def sse():
    return 'x'
`,
  });
  const fromTs = await loadAppDefinition(ts);
  const fromPy = await loadAppDefinition(py);
  assert.deepEqual(fromPy.body.spec, fromTs.body.spec);
  assert.equal(fromPy.summary, fromTs.summary);
  assert.deepEqual([fromTs.body.appFile, fromPy.body.appFile], ['app.ts', 'app.py']);
});
