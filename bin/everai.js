#!/usr/bin/env node
'use strict';
// The CLI's entry. Users run it through bin/everai, which gives the server its node flags.
require('../dist/src/cli/main.js').main(process.argv.slice(2));
