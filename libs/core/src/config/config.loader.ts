import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ConfigProblem, ConfigValidationError } from '../errors/config-validation.error';
import type { LatticeConfigOptions } from '../interfaces/lattice-module-options.interface';
import { latticeConfigShape, parseUrl } from './config.schema';
import { LatticeConfig } from './lattice.config';

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|PRIVATE|API_KEY|_KEY$/i;

/**
 * Reads the environment (and the `.env` file, if there is one), validates it against
 * Lattice's schema plus the app's, and returns the typed result.
 * Variables already in the environment win over the file; empty values count as unset.
 *
 * @throws ConfigValidationError listing every invalid variable at once.
 */
export function loadLatticeConfig<S extends z.ZodRawShape = Record<never, never>>(
  options: LatticeConfigOptions<S> = {},
): LatticeConfig<S> {
  const envFile = options.envFile === false ? undefined : resolve(options.envFile ?? '.env');
  const fromFile = envFile && existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  const raw: Record<string, string | undefined> = { ...fromFile, ...(options.env ?? process.env) };
  for (const [key, value] of Object.entries(raw)) if (value === '') raw[key] = undefined;

  const shape = { ...latticeConfigShape, ...(options.schema ?? {}) };
  const result = z.object(shape).safeParse(raw);
  if (!result.success) {
    const byVariable = new Map<string, ConfigProblem>();
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? '(root)');
      const existing = byVariable.get(variable);
      if (existing) {
        existing.problem += `; ${issue.message}`;
        continue;
      }
      byVariable.set(variable, {
        variable,
        shownValue: showValue(variable, raw[variable]),
        problem: issue.message,
        expected:
          (shape as Record<string, z.ZodType>)[variable]?.description ??
          'see the app’s documentation',
      });
    }
    throw new ConfigValidationError(
      [...byVariable.values()],
      envFile && existsSync(envFile) ? envFile : undefined,
    );
  }
  return new LatticeConfig(result.data as LatticeConfig<S>['values']);
}

/** How a value may appear in a log or an error: secrets hidden, URL passwords masked. */
export function showValue(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (SECRET_NAME.test(variable)) return `(hidden, ${value.length} characters)`;
  return maskUrlPassword(value);
}

/** `mysql://root:pw@host/db` → `mysql://root:***@host/db`; anything that is not a URL is returned as is. */
export function maskUrlPassword(value: string): string {
  const url = parseUrl(value);
  if (!url || !url.password) return value;
  url.password = '***';
  return url.toString();
}
