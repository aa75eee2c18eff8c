import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliOk, waitDeployed } from './helpers/app-fixture';
import { DEBIAN_IMAGE_MARKER, DEBIAN_IMAGE_MISSING, pushDebianPythonImage } from './helpers/debian-image';
import { usePlatform } from './helpers/platform';

// A manifest app runs its image's own userland: the python3 that answers is the Debian image's,
// reading a file only that image has. Only a server that runs workers as containers can pass.

/** `EVERAI_RUNTIME=process` runs the suite on child-process workers, where no image has its own root. */
const FORCED_PROCESS = process.env.EVERAI_RUNTIME === 'process' ? 'EVERAI_RUNTIME=process: workers are not containers' : false;
const SKIP = DEBIAN_IMAGE_MISSING || FORCED_PROCESS;

/** A tiny HTTP server on PORT answering the marker file's content, then the interpreter's path. */
const SERVER = `import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        with open(${JSON.stringify(DEBIAN_IMAGE_MARKER.path)}) as marker:
            body = (marker.read() + sys.executable).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
HTTPServer(("", int(os.environ["PORT"])), Answer).serve_forever()
`;

const platform = usePlatform({ skip: SKIP });

test("a manifest app on the Debian image answers with the image's marker file and python3", { skip: SKIP }, async (t) => {
  // The server says which runtime it started at start; child-process workers share the host's root.
  if (!/runtime: container/.test(platform.log())) {
    t.skip('needs the container runtime');
    return;
  }
  const image = await pushDebianPythonImage(platform);
  const dir = mkdtempSync(join(platform.home, 'userland-'));
  const command = SERVER.trimEnd().split('\n').map((line) => `      ${line}`).join('\n');
  writeFileSync(
    join(dir, 'app.yaml'),
    `version: everai/v1alpha1\nkind: App\nmetadata:\n  name: userland\nspec:\n  image: ${image}\n  command:\n    - python3\n    - -c\n    - |\n${command}\n  port: 8080\n`,
  );
  await cliOk(platform, ['app', 'create'], dir);
  await waitDeployed(platform, 'userland', 120_000);

  const res = await fetch(`${platform.url}/api/routes/v1/default/userland/`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), `${DEBIAN_IMAGE_MARKER.content}/usr/bin/python3`);
});
