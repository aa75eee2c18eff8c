import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EveraiError } from '../src/contract/errors';
import {
  App,
  FreeWorkerAutoScaler,
  Image,
  Placeholder,
  ResourceRequests,
  SimpleAutoScaler,
  VolumeRequest,
  type AppSpecDocument,
} from '../src/sdk';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof EveraiError && error.code === 'EVERAI_APP_INVALID' && pattern.test(error.message));
}

describe('App.toSpec', () => {
  test('describes every option as JSON', () => {
    const app = new App('get-start', {
      image: Image.fromRegistry('get-start:v1', {
        auth: {
          username: new Placeholder('quay-secret', 'username', { kind: 'Secret' }),
          password: new Placeholder('quay-secret', 'password', { kind: 'Secret' }),
        },
      }),
      volumeRequests: [new VolumeRequest('get-start-volume')],
      secretRequests: ['quay-secret'],
      configmapRequests: ['get-start-configmap'],
      resourceRequests: new ResourceRequests({ cpuNum: 1, memoryMb: 1024, gpuNum: 1, gpuConstraints: { models: ['A100 80GB'] } }),
      autoscaler: new FreeWorkerAutoScaler({
        minWorkers: 1,
        maxWorkers: new Placeholder('get-start-configmap', 'max_workers', { kind: 'ConfigMap' }),
      }),
      concurrency: 2,
      routeAuth: 'public',
    });
    const expected: AppSpecDocument = {
      name: 'get-start',
      image: 'get-start:v1',
      imageAuth: {
        username: { placeholder: { kind: 'Secret', name: 'quay-secret', key: 'username' } },
        password: { placeholder: { kind: 'Secret', name: 'quay-secret', key: 'password' } },
      },
      concurrency: 2,
      routeAuth: 'public',
      readyTimeoutSeconds: 600,
      maxDrainSeconds: 3600,
      volumeRequests: ['get-start-volume'],
      secretRequests: ['quay-secret'],
      configmapRequests: ['get-start-configmap'],
      resourceRequests: { cpuNum: 1, memoryMb: 1024, gpuNum: 1, gpuConstraints: { models: ['A100 80GB'] } },
      autoscaler: {
        kind: 'FreeWorkerAutoScaler',
        args: {
          minWorkers: 1,
          maxWorkers: { placeholder: { kind: 'ConfigMap', name: 'get-start-configmap', key: 'max_workers' } },
          maxIdleTime: 60,
          scaleUpStep: 1,
          minFreeWorkers: 1,
        },
      },
    };
    assert.deepEqual(JSON.parse(JSON.stringify(app.toSpec())), expected);
  });

  test('has defaults for a bare app', () => {
    assert.deepEqual(new App('bare').toSpec(), {
      name: 'bare',
      image: null,
      imageAuth: null,
      concurrency: 1,
      routeAuth: 'private',
      readyTimeoutSeconds: 600,
      maxDrainSeconds: 3600,
      volumeRequests: [],
      secretRequests: [],
      configmapRequests: [],
      resourceRequests: null,
      autoscaler: null,
    });
    assert.deepEqual(new SimpleAutoScaler().toJSON(), {
      kind: 'SimpleAutoScaler',
      args: { minWorkers: 1, maxWorkers: 1, maxIdleTime: 60, scaleUpStep: 1, maxQueueSize: 2 },
    });
  });
});

describe('SDK validation', () => {
  test('refuses names that are no DNS label', () => {
    invalid(() => new App('Get_Start'), /app name 'Get_Start' is not valid/);
    invalid(() => new App('a'.repeat(64)), /is not valid/);
    invalid(() => new App('-x'), /is not valid/);
    assert.equal(new App('a'.repeat(63)).name.length, 63);
  });

  test('refuses impossible numbers and options', () => {
    invalid(() => new App('x', { concurrency: 0 }), /concurrency must be an integer >= 1/);
    invalid(() => new ResourceRequests({ memoryMb: 1.5 }), /memoryMb must be an integer/);
    invalid(() => new ResourceRequests({ cpuNum: -1 }), /cpuNum must be a number > 0/);
    invalid(() => new SimpleAutoScaler({ minWorkers: 3, maxWorkers: 2 }), /minWorkers \(3\) is above maxWorkers \(2\)/);
    invalid(() => new FreeWorkerAutoScaler({ maxQueueSize: 1 } as never), /unknown option 'maxQueueSize'/);
    invalid(() => new Placeholder('x', 'k', { kind: 'Vault' as never }), /kind must be 'Secret' or 'ConfigMap'/);
    invalid(() => Image.fromRegistry('Not An Image'), /invalid image reference/);
    const password = new Placeholder('quay-secret', 'password', { kind: 'Secret' });
    invalid(
      () => Image.fromRegistry('quay.io/me/app:v1', { auth: { username: 'robot' as never, password } }),
      /auth\.username must be a Placeholder of a secret, not plain text: `everai secret create NAME/,
    );
    invalid(() => new App('x', { routeAuth: 'open' as never }), /routeAuth must be 'private' or 'public'/);
  });

  test('refuses a route defined twice or in the platform\'s space', () => {
    const app = new App('x');
    app.service.route('/a', { methods: ['GET', 'POST'] }, () => 'a');
    invalid(() => app.service.route('/a', { methods: ['post'] }, () => 'b'), /route POST \/a is defined twice/);
    invalid(() => app.service.route('/.well-known/everai/ready', () => 'b'), /reserved/);
    invalid(() => app.service.route('no-slash', () => 'b'), /must start with '\/'/);
  });
});
