import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBase64 } from '../src/contract/base64';
import { newId } from '../src/contract/ids';
import { nowIso } from '../src/contract/time';
import type { UserRecord } from '../src/server/store/records';
import { KeyValueService } from '../src/server/secrets/key-value-service';
import { open, seal } from '../src/server/secrets/secret-cipher';
import { SecretKeyRing } from '../src/server/secrets/secret-key-ring';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';

const FOR = { ownerId: 'owner-1', name: 'db', version: 1 };

test('sealing: a fresh IV each time, and only the same key and owner/name/version open it', () => {
  const key = randomBytes(32);
  const sealed = seal(key, 'hunter2', FOR);
  assert.notEqual(seal(key, 'hunter2', FOR), sealed, 'a random IV per sealing');
  assert.equal(open(key, sealed, FOR), 'hunter2');
  assert.doesNotMatch(Buffer.from(sealed, 'base64').toString('latin1'), /hunter2/);
  for (const other of [{ ...FOR, version: 2 }, { ...FOR, name: 'db2' }, { ...FOR, ownerId: 'owner-2' }]) {
    assert.throws(() => open(key, sealed, other), { code: 'EVERAI_INTERNAL', message: /cannot be decrypted/ });
  }
  assert.throws(() => open(randomBytes(32), sealed, FOR), { code: 'EVERAI_INTERNAL' });
  const tampered = Buffer.from(sealed, 'base64');
  tampered[14] = (tampered[14] as number) ^ 1;
  assert.throws(() => open(key, tampered.toString('base64'), FOR), { code: 'EVERAI_INTERNAL' });
});

test('strict base64', () => {
  for (const good of ['', 'YQ==', 'YWI=', 'YWJj', 'aHVudGVyMg==']) assert.ok(isBase64(good), good);
  for (const bad of ['YQ', 'YQ=', 'Y===', 'a b=', 'not base64!', 'YWJj\n']) assert.ok(!isBase64(bad), bad);
});

test('key ring: 0600 files in a 0700 folder; the newest key is current', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'everai-keys-')), 'secret-keys');
  try {
    const ring = await SecretKeyRing.open(dir);
    const first = ring.currentId;
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, `${first}.key`)).mode & 0o777, 0o600);
    const second = await ring.add();
    assert.equal(ring.currentId, second);
    assert.deepEqual((await SecretKeyRing.open(dir)).ids(), [first, second], 'reopening finds both');
    await ring.remove(first);
    assert.deepEqual(readdirSync(dir), [`${second}.key`]);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('key rotation interrupted at either step leaves every secret readable; the next start finishes it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'everai-rotation-'));
  const keyDir = join(home, 'secret-keys');
  const store = new SqliteStore(join(home, 'state.db'));
  try {
    const admin: UserRecord = { id: newId(), name: 'admin', tokenHash: 'x', isAdmin: true, createdAt: nowIso() };
    await store.users.create(admin);
    const service = await KeyValueService.open(store, keyDir);
    await service.create(admin, 'Secret', 'db', { password: Buffer.from('hunter2').toString('base64') });
    const [oldKey = ''] = readdirSync(keyDir);
    copyFileSync(join(keyDir, oldKey), join(home, 'old-key.bak'));

    // A crash after the new key file was written, before anything was sealed again with it.
    await (await SecretKeyRing.open(keyDir)).add();
    const afterFirstCrash = await KeyValueService.open(store, keyDir);
    assert.equal((await afterFirstCrash.read(admin.id, 'Secret', 'db')).data.password, 'hunter2');
    assert.equal(readdirSync(keyDir).length, 2, 'the old key stays while a secret needs it');

    const rotation = await afterFirstCrash.rotateKey(admin);
    assert.equal(rotation.resealed, 1);
    assert.equal(rotation.removed.length, 2, 'the old key and the one the crash left unused');
    assert.ok(rotation.removed.includes(oldKey.replace(/\.key$/, '')));
    assert.deepEqual(readdirSync(keyDir), [`${rotation.keyId}.key`]);

    // A crash after the commit, before the old file went: the next start removes it.
    copyFileSync(join(home, 'old-key.bak'), join(keyDir, oldKey));
    const afterSecondCrash = await KeyValueService.open(store, keyDir);
    assert.deepEqual(readdirSync(keyDir), [`${rotation.keyId}.key`]);
    assert.equal((await afterSecondCrash.read(admin.id, 'Secret', 'db')).data.password, 'hunter2');

    const user: UserRecord = { ...admin, id: newId(), name: 'someone', isAdmin: false };
    await assert.rejects(afterSecondCrash.rotateKey(user), { code: 'EVERAI_FORBIDDEN' });
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
