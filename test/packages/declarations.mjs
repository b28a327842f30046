// Checks that each library's package.json declares what its code loads, so the package installs
// and loads with exactly what it declares:
// - every package imported by code an entry can reach is a dependency or a peer dependency;
// - what the main entry (`@lattice/x`) loads when it loads is not an optional peer (that belongs
//   in a subpath entry or behind a lazy require() with an error naming the package);
// - an import of another library's subpath names one of its entries (src/<sub>/index.ts);
// - every `dependencies` entry is imported somewhere (esbuild and morphdom are bundled at build
//   time, not installed with the package);
// - what the app and the libraries must share one copy of is a peer, never a dependency
//   (decision 0021).
// Run on its own: node test/packages/declarations.mjs (exits 1 and lists the problems).
import {
  LIBRARIES,
  entriesOf,
  manifestOf,
  packageOf,
  packagesReachedFrom,
} from '../../scripts/lib-packages.mjs';

/**
 * Shared with the app and between the libraries: Nest, the other Lattice packages, the Redis
 * connection type core hands out, the zod that checks every option schema, TypeORM's metadata.
 */
const SHARED = /^(@nestjs\/|@lattice\/|ioredis$|zod$|typeorm$|rxjs$|reflect-metadata$)/;

/** Every problem in every library, as lines naming the library, the import and the fix. */
export function declarationProblems(libraries = LIBRARIES) {
  const problems = [];
  for (const name of libraries) {
    const pkg = manifestOf(name);
    const deps = pkg.dependencies ?? {};
    const peers = pkg.peerDependencies ?? {};
    const optional = new Set(
      Object.entries(pkg.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([dep]) => dep),
    );
    const used = new Set();
    for (const entry of entriesOf(name)) {
      const importPath = entry === '.' ? pkg.name : `${pkg.name}/${entry}`;
      for (const [specifier, { atLoad, files }] of packagesReachedFrom(name, entry)) {
        const dep = packageOf(specifier);
        if (dep === pkg.name) {
          problems.push(
            `${pkg.name}: ${[...files][0]} imports its own package '${specifier}'; use a relative path.`,
          );
          continue;
        }
        used.add(dep);
        const where = [...files].join(', ');
        if (!(dep in deps) && !(dep in peers)) {
          problems.push(
            `${pkg.name}: '${dep}' is imported by ${where} but libs/${name}/package.json declares it nowhere; add it to dependencies (or peerDependencies when the app must share its copy).`,
          );
          continue;
        }
        if (entry === '.' && atLoad && optional.has(dep))
          problems.push(
            `${pkg.name}: '${dep}' is an optional peer, yet loading '${importPath}' loads it (${where}); an app without it fails with "Cannot find module '${dep}'". Move the integration to a subpath entry, load it lazily with an error naming the package, or make the peer required.`,
          );
        if (dep.startsWith('@lattice/') && specifier !== dep) {
          const target = dep.slice('@lattice/'.length);
          const sub = specifier.slice(dep.length + 1);
          if (LIBRARIES.includes(target) && !entriesOf(target).includes(sub))
            problems.push(
              `${pkg.name}: ${where} imports '${specifier}', which is not an entry of ${dep} (entries: ${entriesOf(
                target,
              )
                .map((e) => (e === '.' ? dep : `${dep}/${e}`))
                .join(
                  ', ',
                )}); import it from an entry, or give libs/${target}/src/${sub.split('/')[0]} an index.ts.`,
            );
        }
      }
    }
    for (const dep of Object.keys(deps))
      if (SHARED.test(dep))
        problems.push(
          `${pkg.name}: '${dep}' is in dependencies, so the package may get its own copy; the app and the libraries share it: move it to peerDependencies.`,
        );
    for (const dep of Object.keys(deps))
      if (!used.has(dep))
        problems.push(
          `${pkg.name}: dependency '${dep}' is not imported by any entry's code; remove it from libs/${name}/package.json (browser scripts are bundled at build time).`,
        );
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = declarationProblems();
  if (problems.length) {
    process.stderr.write(
      `${problems.length} declaration problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`every library declares what it imports (${LIBRARIES.length} checked)\n`);
}
