#!/usr/bin/env -S node --initial-old-space-size=64
'use strict';
// --initial-old-space-size: the server's heap is small (about 15 MB live), so V8 kept its
// old-generation limit just above it and ran a full collection every 30 MB or so of an upload's
// body (35-38 per GiB pushed), each marking the whole heap: a third of the server's CPU in a push.
// With 64 MB, 0-5 per GiB (32 MB was not enough margin: after a collection, 35 again).
// Set on the command line, since NODE_OPTIONS refuses it and a running process cannot change it.
// Tests start the server with the flags of this line (test/helpers/cli.ts).
require('../dist/src/cli/main.js').main(process.argv.slice(2));
