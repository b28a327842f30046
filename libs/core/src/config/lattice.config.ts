import type { z } from 'zod';
import type { LatticeConfigValues } from './config.schema';

/**
 * The validated configuration: Lattice's variables plus the app's own.
 * Inject it by class: `constructor(private readonly config: LatticeConfig<typeof appShape>)`.
 */
export class LatticeConfig<S extends z.ZodRawShape = Record<never, never>> {
  constructor(readonly values: Readonly<LatticeConfigValues & z.output<z.ZodObject<S>>>) {}

  get<K extends keyof LatticeConfig<S>['values']>(key: K): LatticeConfig<S>['values'][K] {
    return this.values[key];
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }
}
