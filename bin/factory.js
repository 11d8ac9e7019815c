#!/usr/bin/env node
// The `factory` command: runs the TypeScript CLI from source through tsx.
require('tsx/cjs/api').register();
require('../cli/main.ts').main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`factory: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  },
);
