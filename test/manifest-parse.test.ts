import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EveraiError } from '../src/contract/errors';
import { ManifestFile } from '../src/client/manifest/manifest-file';
import { manifestRequest } from '../src/client/manifest/manifest-request';

const HEAD = 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: web\nspec:\n  image: web:v1\n';

function request(spec: string) {
  return manifestRequest(ManifestFile.parse('app.yaml', HEAD + spec)).body.spec;
}

/** The manifest fails with exactly this message (the CLI prints it after `Error: `). */
function fails(text: string, message: string | RegExp): void {
  assert.throws(
    () => manifestRequest(ManifestFile.parse('app.yaml', text)),
    (error: unknown) => {
      assert.ok(error instanceof EveraiError && error.code === 'EVERAI_APP_INVALID', String(error));
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

describe('app.yaml errors name the file, the line and the field', () => {
  test('bad YAML', () => {
    fails(`${HEAD}  command: [python3, server.py\n  port: 80\n`, /^app\.yaml:\d+: not valid YAML: /);
    fails(`${HEAD}  port: 80\n  port: 81\n`, /^app\.yaml:8: not valid YAML: Map keys must be unique/);
  });

  test('a wrong field type', () => {
    fails(`${HEAD}  port: "eighty"\n`, 'app.yaml:7: spec.port: Invalid input: expected number, received string');
    fails(`${HEAD}  env:\n    - name: A\n      value: 1\n`, 'app.yaml:9: spec.env[0].value: Invalid input: expected string, received number');
  });

  test('an unknown field, a wrong version, a missing one', () => {
    fails(`${HEAD}  prot: 80\n`, 'app.yaml:7: spec.prot: is not a field of the manifest (see docs/manifest.md)');
    fails(HEAD.replace('everai/v1alpha1', 'everai/v2'), 'app.yaml:1: version: must be everai/v1alpha1');
    fails(HEAD.replace('kind: App', 'kind: Deployment'), 'app.yaml:2: kind: must be App');
    fails(HEAD.replace('  image: web:v1\n', '  port: 80\n'), /^app\.yaml:5: spec\.image: /);
  });

  test('credentials in plain text are refused', () => {
    fails(`${HEAD}  imagePullSecrets:\n    username: robot\n    password: hunter2\n`, /^app\.yaml:8: spec\.imagePullSecrets\.username: must be valueFrom\.secretKeyRef/);
  });

  test('what only the conversion can check', () => {
    fails(`${HEAD}  volumeMounts:\n    - name: models\n      mountPath: /models\n`, "app.yaml:8: spec.volumeMounts[0].name: no entry of spec.volumes is named 'models'");
    fails(`${HEAD}  volumes:\n    - name: both\n      secret: {secretName: a}\n      configMap: {name: b}\n`, 'app.yaml:8: spec.volumes[0]: needs exactly one of volume, secret or configMap');
    fails(`${HEAD}  resource:\n    memory: lots\n`, "app.yaml:8: spec.resource.memory: 'lots' is not an amount of memory (write e.g. 1 GiB or 512 MiB)");
    fails(`${HEAD}  volumeMounts:\n    - {name: a, mountPath: ../up}\n`, /^app\.yaml:8: spec\.volumeMounts\[0\]\.mountPath: must not contain '\.\.'/);
    fails(`${HEAD}  autoscaler:\n    builtin:\n      name: SimpleAutoScaler\n      arguments: {min_workers: 3, max_workers: 2}\n`, /^app\.yaml:10: spec\.autoscaler\.builtin\.arguments: SimpleAutoScaler: minWorkers \(3\) is above maxWorkers \(2\)/);
  });
});

describe('a manifest becomes the app request', () => {
  test('program, ports and env', () => {
    const spec = request('  command: [python3, server.py]\n  args: [-v]\n  env:\n    - {name: GREETING, value: hi}\n  port: 8080\n  services:\n    - port: 8080\n    - port: 8081\n  readinessProbe:\n    httpGet: {path: /healthy}\n');
    assert.deepEqual(spec.program, { command: ['python3', 'server.py'], args: ['-v'], port: 8080, servicePorts: [8080, 8081], readinessPath: '/healthy' });
    assert.deepEqual(spec.env, { GREETING: 'hi' });
    assert.deepEqual(request('  command: ./run.sh --fast\n').program, { command: ['sh', '-c', './run.sh --fast'], args: null, port: 80, servicePorts: [80], readinessPath: null });
    // Without a command, the image's Entrypoint and Cmd run.
    assert.equal((request('') .program as { command: unknown }).command, null);
  });

  test('volumes, secrets and configmaps as mounts; pull secrets as Placeholders', () => {
    const spec = request(
      [
        '  imagePullSecrets:',
        '    username: {valueFrom: {secretKeyRef: {name: quay, key: username}}}',
        '    password: {valueFrom: {secretKeyRef: {name: quay, key: password}}}',
        '  volumeMounts:',
        '    - {name: models, mountPath: /models, readOnly: true}',
        '    - {name: creds, mountPath: /etc/creds}',
        '  volumes:',
        '    - {name: models, volume: {volume: alice/weights}}',
        '    - {name: creds, secret: {secretName: api-keys}}',
        '    - {name: unused, configMap: {name: settings}}',
        '',
      ].join('\n'),
    );
    assert.deepEqual(spec.volumeRequests, ['alice/weights']);
    assert.deepEqual(spec.mounts, [
      { mountPath: '/models', kind: 'volume', name: 'alice/weights' },
      { mountPath: '/etc/creds', kind: 'Secret', name: 'api-keys' },
    ]);
    assert.deepEqual(spec.imageAuth, {
      username: { placeholder: { kind: 'Secret', name: 'quay', key: 'username' } },
      password: { placeholder: { kind: 'Secret', name: 'quay', key: 'password' } },
    });
  });

  test('resource, autoscaler and route auth as app.ts would send them', () => {
    const spec = request(
      '  resource: {cpu: 2, memory: 1 GiB, gpu: 1, gpuConstraints: {models: [A100 80GB]}}\n  routeAuth: public\n  autoscaler:\n    builtin:\n      name: FreeWorkerAutoScaler\n      arguments:\n        max_workers: 4\n        minFreeWorkers: {valueFrom: {configMapKeyRef: {name: scaling, key: min_free}}}\n',
    );
    assert.deepEqual(spec.resourceRequests, { cpuNum: 2, memoryMb: 1024, gpuNum: 1, gpuConstraints: { models: ['A100 80GB'] } });
    assert.equal(spec.routeAuth, 'public');
    assert.deepEqual(spec.autoscaler, {
      kind: 'FreeWorkerAutoScaler',
      args: { minWorkers: 1, maxWorkers: 4, maxIdleTime: 60, scaleUpStep: 1, minFreeWorkers: { placeholder: { kind: 'ConfigMap', name: 'scaling', key: 'min_free' } } },
    });
    assert.deepEqual(request('  autoscaler:\n    manual: {defaultWorkerNum: 3}\n').autoscaler, { kind: 'Manual', args: { defaultWorkerNum: 3 } });
  });
});
