import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueView } from '../src/contract/key-value-view';
import { runCli } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { addUser } from './helpers/users';

// `everai secret` and `everai configmap` (docs/secrets.md) share one shape: the same round trip for both,
// through the real CLI and server. Only how values travel differs (base64 for secrets).

let otherToken: string;
const platform = usePlatform({
  setup: async () => {
    otherToken = await addUser(platform, 'someone');
  },
});

async function run(args: string[], token?: string) {
  return runCli(args, { env: { ...platform.env, ...(token ? { EVERAI_TOKEN: token } : {}) } });
}

async function ok(args: string[], token?: string): Promise<string> {
  const result = await run(args, token);
  assert.equal(result.code, 0, `everai ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The one line a failed command prints, and its exit code. */
async function fails(args: string[], token?: string): Promise<{ code: number; line: string }> {
  const result = await run(args, token);
  assert.notEqual(result.code, 0, `everai ${args.join(' ')} should have failed:\n${result.stdout}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return { code: result.code, line: lines[0] as string };
}

function file(name: string, text: string): string {
  const path = join(platform.home, name);
  writeFileSync(path, text);
  return path;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

const KINDS = [
  { command: 'secret', title: 'Secret', shown: b64, fileValue: b64 },
  { command: 'cm', title: 'ConfigMap', shown: (text: string) => text, fileValue: (text: string) => text },
] as const;

for (const kind of KINDS) {
  describe(`everai ${kind.command}`, () => {
    const cmd = kind.command;
    const getJson = async (name: string, token?: string) => JSON.parse(await ok([cmd, 'get', name, '-o', 'json'], token)) as KeyValueView;

    test('create from literals and from files; list shows no values; get -o json shows them', async () => {
      assert.match(await ok([cmd, 'create', 'db', '--from-literal', 'user=bob', '--from-literal', 'password=p4ss=word']), new RegExp(`^${kind.title} 'db' created: version 1, 2 items\\n$`));
      const plainFile = file(`${cmd}-plain.yaml`, `host: ${kind.fileValue('db.local')}\nport: ${kind.fileValue('5432')}\n`);
      assert.match(await ok([cmd, 'create', 'from-file', '--from-file', plainFile]), /created: version 1, 2 items/);
      const kubeFile = file(`${cmd}-kube.yaml`, `apiVersion: v1\nkind: ${kind.title}\nmetadata:\n  name: ignored\ndata:\n  token: ${kind.fileValue('t0k')}\n`);
      assert.match(await ok([cmd, 'create', 'kube-style', '--from-file', kubeFile]), /created: version 1, 1 item\n/);

      const table = await ok([cmd, 'list']);
      assert.match(table, /^NAME\s+ITEMS\s+CREATED_AT\n-+ {2}-+ {2}-+\n/);
      assert.match(table, /\ndb\s+2\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\n/);
      assert.match(table, /\nfrom-file\s+2\s+/);
      assert.match(table, /\nkube-style\s+1\s+/);
      for (const format of ['table', 'wide', 'json', 'yaml']) {
        const listed = await ok([cmd, 'ls', '-o', format]);
        for (const value of ['p4ss=word', kind.shown('p4ss=word'), 'bob']) assert.ok(!listed.includes(value), `list -o ${format} shows a value`);
      }

      const got = await ok([cmd, 'get', 'db']);
      assert.match(got, new RegExp(`^${kind.title} 'db': version 1, 2 items, updated \\S+\\nKEY\\n-+\\npassword\\nuser\\n$`));
      assert.ok(!got.includes('bob'), 'the table shows keys only');
      const json = await getJson('db');
      assert.deepEqual(json.data, { user: kind.shown('bob'), password: kind.shown('p4ss=word') });
      assert.deepEqual((await getJson('from-file')).data, { host: kind.shown('db.local'), port: kind.shown('5432') });
      assert.deepEqual((await getJson('kube-style')).data, { token: kind.shown('t0k') });
      assert.match(await ok([cmd, 'get', 'db', '-o', 'yaml']), new RegExp(`password: ${kind.shown('p4ss=word')}`));
    });

    test('update makes a new version only when the items change; delete removes it', async () => {
      assert.match(await ok([cmd, 'update', 'db', '--from-literal', 'user=bob', '--from-literal', 'password=p4ss=word']), /is unchanged at version 1, 2 items\n$/);
      assert.equal(
        await ok([cmd, 'update', 'db', '--from-literal', 'user=alice']),
        `${kind.title} 'db' updated to version 2, 1 item: removed password; changed user\n`,
      );
      const json = await getJson('db');
      assert.equal(json.version, 2);
      assert.deepEqual(json.data, { user: kind.shown('alice') });
      assert.match(await ok([cmd, 'ls', '-o', 'wide']), /\ndb\s+1\s+\S+\s+2\s+\S+\n/);

      // --merge sets the given keys and keeps the rest.
      assert.equal(
        await ok([cmd, 'update', 'db', '--merge', '--from-literal', 'host=db.local', '--from-literal', 'user=carol']),
        `${kind.title} 'db' updated to version 3, 2 items: added host; changed user\n`,
      );
      assert.deepEqual((await getJson('db')).data, { user: kind.shown('carol'), host: kind.shown('db.local') });
      assert.match(await ok([cmd, 'update', 'db', '--merge', '--from-literal', 'host=db.local']), /is unchanged at version 3, 2 items\n$/);

      assert.match(await ok([cmd, 'delete', 'db']), new RegExp(`^${kind.title} 'db' deleted\\n$`));
      assert.doesNotMatch(await ok([cmd, 'list']), /\ndb\s/);
      assert.deepEqual(await fails([cmd, 'get', 'db']), { code: 4, line: `Error: ${kind.command === 'secret' ? 'secret' : 'configmap'} 'db' not found` });
      assert.equal((await fails([cmd, 'update', 'db', '--from-literal', 'a=b'])).code, 4);
    });

    test('bad input: a clear line, nothing changed', async () => {
      const word = kind.command === 'secret' ? 'secret' : 'configmap';
      assert.deepEqual(await fails([cmd, 'create', 'from-file', '--from-literal', 'a=b']), {
        code: 5,
        line: `Error: ${word} 'from-file' already exists: change it with \`everai ${word} update\``,
      });
      assert.equal((await getJson('from-file')).version, 1);
      const badName = await fails([cmd, 'create', 'Not_A_Label', '--from-literal', 'a=b']);
      assert.equal(badName.code, 2);
      assert.match(badName.line, /name 'Not_A_Label': must be a lowercase DNS label/);
      assert.match((await fails([cmd, 'create', 'x'.repeat(64), '--from-literal', 'a=b'])).line, /at most 63 characters/);
      assert.match((await fails([cmd, 'create', 'bad-key', '--from-literal', 'a b=c'])).line, /key 'a b' must be 1 to 253 of/);
      assert.match((await fails([cmd, 'create', 'no-items'])).line, /give the items with --from-literal KEY=VALUE \(repeatable\) or --from-file FILE\.yaml/);
      assert.match((await fails([cmd, 'create', 'both', '--from-literal', 'a=b', '--from-file', 'x.yaml'])).line, /cannot be combined/);
      assert.match((await fails([cmd, 'create', 'literal', '--from-literal', 'novalue'])).line, /--from-literal wants KEY=VALUE, got 'novalue'/);
      const malformed = file(`${cmd}-malformed.yaml`, 'a: b\nc: [1,\nd: e: f\n');
      assert.match((await fails([cmd, 'create', 'malformed', '--from-file', malformed])).line, new RegExp(`^Error: ${malformed}:\\d: .*\\(not valid YAML\\)$`));
      const nested = file(`${cmd}-nested.yaml`, `a: ${kind.fileValue('b')}\nc:\n  - 1\n`);
      assert.equal((await fails([cmd, 'create', 'nested', '--from-file', nested])).line, `Error: ${nested}:3: the value of key 'c' must be a ${kind.command === 'secret' ? 'base64 string' : 'string'}`);
      assert.equal((await fails([cmd, 'create', 'big', '--from-literal', `a=${'x'.repeat(70_000)}`])).code, 2);
      assert.match((await fails([cmd, 'create', 'big', '--from-literal', `a=${'x'.repeat(70_000)}`])).line, /holds 70000 bytes: at most 65536 \(64 KiB\) fit in one/);
      const listed = await ok([cmd, 'list']);
      for (const name of ['Not_A_Label', 'bad-key', 'malformed', 'nested', 'big', 'literal']) assert.doesNotMatch(listed, new RegExp(`\\n${name}\\s`));
    });

    test("another user's objects answer exactly like missing ones", async () => {
      const missing = await fails([cmd, 'get', 'nothing-here']);
      const others = await fails([cmd, 'get', 'from-file'], otherToken);
      assert.equal(others.code, missing.code);
      assert.equal(others.line, missing.line.replace('nothing-here', 'from-file'));
      assert.equal((await fails([cmd, 'delete', 'from-file'], otherToken)).code, 4);
      assert.equal((await fails([cmd, 'update', 'from-file', '--from-literal', 'a=b'], otherToken)).code, 4);
      assert.doesNotMatch(await ok([cmd, 'list'], otherToken), /from-file/);
      // The same name is free for another user.
      assert.match(await ok([cmd, 'create', 'from-file', '--from-literal', 'mine=yes'], otherToken), /version 1, 1 item/);
      assert.equal((await getJson('from-file')).items, 2, "the first owner's is untouched");
    });
  });
}

test('secrets: a bad base64 value is refused naming its key, from a file and through the API', async () => {
  const bad = file('bad-base64.yaml', `good: ${b64('fine')}\nbroken: "not base64!"\n`);
  assert.equal((await fails(['secret', 'create', 'bad', '--from-file', bad])).line, `Error: ${bad}:2: the value of key 'broken' is not valid base64`);
  const res = await fetch(`${platform.url}/api/v1/secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bad', data: { good: b64('fine'), broken: 'YQ' } }),
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { error: { code: 'EVERAI_BAD_REQUEST', message: "secret 'bad': the value of key 'broken' is not valid base64" } });
});

test('every secret route needs a token; rotating the key is for admins only', async () => {
  for (const [method, path] of [['GET', '/api/v1/secrets'], ['GET', '/api/v1/configmaps/x'], ['POST', '/api/v1/secret-keys']] as const) {
    const res = await fetch(`${platform.url}${path}`, { method });
    assert.equal(res.status, 401, `${method} ${path}`);
  }
  assert.deepEqual(await fails(['secret', 'rotate-key'], otherToken), { code: 3, line: 'Error: only an admin may rotate the secret key' });
});
