import { z } from 'zod';
import { closestName } from '../text/closest-name';
import { ModuleOptionsError, type ModuleOptionProblem } from './module-options.error';

/**
 * Checks a module's options against its zod schema at boot and returns the parsed value
 * (defaults applied). Use `z.strictObject` for every object in the schema, so a misspelt key
 * is refused with the closest known name instead of being ignored.
 *
 * @throws ModuleOptionsError listing every problem at once.
 * @example
 * const options = checkModuleOptions('CacheModule', cacheOptionsSchema, raw);
 */
export function checkModuleOptions<S extends z.ZodType>(
  moduleName: string,
  schema: S,
  options: unknown,
): z.output<S> {
  const result = schema.safeParse(options ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new ModuleOptionsError(moduleName, describeIssues(schema, result.error.issues));
}

function describeIssues(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
): ModuleOptionProblem[] {
  const problems: ModuleOptionProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch that got furthest says the most; report its issues.
      const deepest = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      problems.push(
        ...describeIssues(
          schema,
          deepest.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] })),
        ),
      );
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const suggestion = closestName(key, known);
        problems.push({
          path: formatPath([...issue.path, key]),
          problem:
            `unknown option${suggestion ? `; did you mean "${suggestion}"?` : '.'}` +
            (known.length ? ` Known: ${known.join(', ')}.` : ''),
        });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), problem: describeIssue(issue) });
  }
  return problems;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(
    0,
    ...issues.map((issue) => issue.path.length + (issue.code === 'invalid_type' ? 0 : 1)),
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(issue.input)}.`;
    case 'too_small':
      return `${issue.message}${issue.input !== undefined ? `; got ${JSON.stringify(issue.input)}` : ''}.`;
    case 'too_big':
      return `${issue.message}${issue.input !== undefined ? `; got ${JSON.stringify(issue.input)}` : ''}.`;
    case 'invalid_type':
      return `expected ${issue.expected}, got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'array' : typeof issue.input}.`;
    default:
      return issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  }
}

/** The keys an object schema at `path` accepts (through optional, default, nullable and arrays). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return [];
    if (current instanceof z.ZodObject) current = unwrap(current.shape[String(segment)]);
    else if (current instanceof z.ZodArray) current = unwrap(current.element as z.ZodType);
    else if (current instanceof z.ZodRecord) current = unwrap(current.valueType as z.ZodType);
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodUnion
  ) {
    if (current instanceof z.ZodUnion) {
      // `false | { … }` and the like: the keys are the object branch's.
      const objects = (current.options as z.ZodType[]).map(unwrap).filter(isObject);
      return objects.length === 1 ? objects[0] : current;
    }
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function isObject(schema: z.ZodType | undefined): schema is z.ZodObject {
  return schema instanceof z.ZodObject;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : `${i ? '.' : ''}${String(segment)}`,
    )
    .join('');
}
