import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appJson, cliOk, copyExampleApp, editFile, waitDeployed } from './helpers/app-fixture';
import { pushDebianPythonImage } from './helpers/debian-image';
import { DOCKER_REGISTRY_MISSING, skopeoCopy, startDockerRegistry, type DockerRegistry } from './helpers/docker-registry';
import { usePlatform } from './helpers/platform';

// imagePullSecrets end to end (docs/manifest.md, "Images on other registries"): credentials kept
// in an everai secret, used to pull from a registry with htpasswd auth on loopback.

const skip = DOCKER_REGISTRY_MISSING;

let registry: DockerRegistry;
let dir: string;

const platform = usePlatform({
  skip,
  setup: async () => {
    registry = await startDockerRegistry({ robot: 'right-password' });
    dir = copyExampleApp(platform, 'manifest-python');
    // On an image with python3: a container runs its image's userland.
    await cliOk(platform, ['image', 'build', '--base', await pushDebianPythonImage(platform)], dir);
    await skopeoCopy(`docker://${new URL(platform.url).host}/admin/manifest-python:v1`, `docker://${registry.host}/team/manifest-python:v1`, {
      src: `x:${platform.token}`,
      dest: 'robot:right-password',
    });
  },
});
after(async () => {
  await registry?.stop();
});

function useSecret(name: string): void {
  editFile(join(dir, 'app.yaml'), (text) =>
    text
      .replace(/  image: .*\n(  imagePullSecrets:\n(    .*\n)+?(?=  command))?/, `  image: ${registry.host}/team/manifest-python:v1\n`)
      .replace(
        '  command:',
        `  imagePullSecrets:\n    username: {valueFrom: {secretKeyRef: {name: ${name}, key: username}}}\n    password: {valueFrom: {secretKeyRef: {name: ${name}, key: password}}}\n  command:`,
      ),
  );
}

test('wrong credentials fail with a clear error and event; right ones deploy', { skip }, async () => {
  const refusal = `registry ${registry.host} refused the credentials for team/manifest-python (HTTP 401 Unauthorized)`;
  await cliOk(platform, ['secret', 'create', 'wrong-creds', '--from-literal', 'username=robot', '--from-literal', 'password=nope']);
  useSecret('wrong-creds');
  const refused = await platform.cli(['app', 'create'], { cwd: dir });
  assert.notEqual(refused.code, 0);
  assert.equal(refused.stderr, `Error: ${refusal}\n`);
  assert.equal(await appJson(platform, 'manifest-python'), undefined, 'nothing was created');

  await cliOk(platform, ['secret', 'create', 'registry-creds', '--from-literal', 'username=robot', '--from-literal', 'password=right-password']);
  useSecret('registry-creds');
  await cliOk(platform, ['app', 'create'], dir);
  await waitDeployed(platform, 'manifest-python');
  const route = `${platform.url}/api/routes/v1/default/manifest-python/pulled`;
  assert.equal((await fetch(route, { headers: { authorization: `Bearer ${platform.token}` } })).status, 200);

  // The credentials go bad: the update changes nothing, the app says why, and the worker keeps serving.
  await cliOk(platform, ['secret', 'update', 'registry-creds', '--from-literal', 'username=robot', '--from-literal', 'password=changed']);
  const update = await platform.cli(['app', 'update'], { cwd: dir });
  assert.equal(update.stderr, `Error: ${refusal}\n`);
  const events = await cliOk(platform, ['app', 'events', 'manifest-python']);
  assert.match(events.split('\n')[2] ?? '', new RegExp(`^WARNING\\s+ImagePuller\\s+\\S+\\s+Image pull failed, nothing changed: ${refusal.replace(/[()]/g, '\\$&')}$`));
  assert.equal((await fetch(route, { headers: { authorization: `Bearer ${platform.token}` } })).status, 200);
});
