#!/usr/bin/env node
// `npx lattice <command>`: from the sources (through swc) in a development checkout, so it always
// matches the code; from the build (`npm run build`) where dev dependencies are not installed.
const { join } = require('node:path');

const root = join(__dirname, '..');
let register;
try {
  register = require.resolve('@swc-node/register');
} catch {
  register = undefined;
}
if (register) {
  require(register);
  require(join(root, 'src', 'cli.ts'));
} else {
  require(join(root, 'dist', 'src', 'cli.js'));
}
