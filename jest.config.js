// Jest runs in CommonJS mode; NestJS 12 and a few of its dependencies ship only ESM,
// so @swc/jest transforms them as well as our TypeScript (see docs/decisions/0003-jest-with-swc.md).
const esmOnly = [
  '@nestjs',
  '@faker-js',
  '@keyv',
  'keyv',
  'cache-manager',
  'cacheable',
  '@redis',
  '@cacheable',
  'hashery',
  'hookified',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  '@standard-schema',
  'light-my-request',
  'cookie',
  'uid',
  'content-disposition',
  // sanitize-html's parser and its DOM packages (@lattice/security's sanitizeHtml).
  'htmlparser2',
  'domhandler',
  'domutils',
  'dom-serializer',
  'domelementtype',
  // commander 15 (the `lattice` command line, @lattice/core/cli).
  'commander',
  'entities',
  // @angular-devkit/schematics (the schematics' tests): its tree recorder and its task spinner.
  'magic-string',
  '@jridgewell',
  'ora',
  'chalk',
  'string-width',
  'strip-ansi',
  'ansi-regex',
  'cli-cursor',
  'restore-cursor',
  'mimic-function',
  'cli-spinners',
  'is-interactive',
  'is-unicode-supported',
  'log-symbols',
  'yoctocolors',
  'stdin-discarder',
  'get-east-asian-width',
  'onetime',
];

const swc = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|m?j)s$': ['@swc/jest', swc] },
  // Also transform ESM-only packages nested under another package's node_modules.
  transformIgnorePatterns: [
    `/node_modules/(?!(${esmOnly.join('|')})/)(?!.*/node_modules/(${esmOnly.join('|')})/)`,
  ],
  moduleNameMapper: {
    '^@lattice/([^/]+)$': '<rootDir>/libs/$1/src',
    '^@lattice/([^/]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  modulePathIgnorePatterns: [
    '<rootDir>/dist/',
    '<rootDir>/libs/[^/]+/dist/',
    '<rootDir>/schematics/dist/',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Integration and e2e tests boot apps and child processes; testTimeout is a global option only.
  testTimeout: 30_000,
  // A worker per core, not Jest's cores − 1: the suites mostly wait on databases, Redis, child
  // processes and Chromium, and each has its own database, Redis prefix and ports. On two cores
  // this halves the run (about 240 s instead of 375 s).
  maxWorkers: '100%',
  ...base,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/*/src/**/*.spec.ts',
        '<rootDir>/src/**/*.spec.ts',
        // The layer rule of docs/architecture.md, read from the sources.
        '<rootDir>/test/layers.spec.ts',
        // docs that name code (the ASVS map names tests), checked against it.
        '<rootDir>/test/docs/*.spec.ts',
      ],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
    },
    {
      ...base,
      // @lattice/schematics: the factories on SchematicTestRunner, and an app generated with them.
      displayName: 'schematics',
      testMatch: ['<rootDir>/schematics/src/**/*.spec.ts'],
    },
  ],
};
