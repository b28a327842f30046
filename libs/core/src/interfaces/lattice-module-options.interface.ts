import type { z } from 'zod';
import type { DriverKinds } from '../drivers/drivers.interfaces';

/** Where configuration comes from and what it must contain. */
export interface LatticeConfigOptions<S extends z.ZodRawShape = z.ZodRawShape> {
  /** The variables to read. Default: `process.env`. Tests pass their own. */
  env?: Record<string, string | undefined>;
  /** A `.env` file to read if it exists (the environment wins). Default `.env`; `false` to skip. */
  envFile?: string | false;
  /**
   * The app's own variables, validated with Lattice's at boot. Give each a `.describe()`
   * with the expected form; it is shown when the value is wrong.
   * @example { FORUM_TITLE: z.string().default('Lattice Forum').describe('any text') }
   */
  schema?: S;
}

/** Options of `LatticeModule.forRoot()`. */
export interface LatticeModuleOptions<
  S extends z.ZodRawShape = z.ZodRawShape,
> extends LatticeConfigOptions<S> {
  /** Name and version shown in the boot report. */
  app?: { name: string; version?: string };
  /** Force a driver for one part (for example `{ cache: 'memory' }` even when Redis is configured). */
  drivers?: Partial<Omit<DriverKinds, 'database'>>;
  /** Log the boot report once the app is ready. Default `true`. */
  bootReport?: boolean;
}
