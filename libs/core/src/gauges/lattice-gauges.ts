import { Injectable } from '@nestjs/common';

/** A number read when asked: open connections, live sessions, jobs running. */
export interface LatticeGauge {
  /** Prometheus-style name: `lattice_socket_connections`. */
  name: string;
  /** One line saying what it counts. */
  help: string;
  read(): number;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The current figures of this process, registered by the libraries that know them (socket: open
 * connections, live: sessions, queue: jobs running) and read by whoever needs them: cluster
 * membership puts them in the node's load, observability exports them. A library registers its
 * gauges whether or not anything reads them, so it stays usable without either installed: a
 * gauge costs nothing until read.
 *
 * @example
 * gauges.register({ name: 'lattice_socket_connections', help: 'Open WebSocket connections', read: () => this.connections.size });
 */
@Injectable()
export class LatticeGauges {
  private readonly gauges = new Map<string, LatticeGauge>();

  /** Adds a gauge; a second one with the same name replaces the first (a module re-created in tests). */
  register(gauge: LatticeGauge): void {
    if (!NAME.test(gauge.name))
      throw new Error(
        `Gauge name "${gauge.name}" is not valid: use lower-case letters, digits and _ (lattice_socket_connections).`,
      );
    this.gauges.set(gauge.name, gauge);
  }

  unregister(name: string): void {
    this.gauges.delete(name);
  }

  /** Every gauge's current value; a gauge that throws reads as NaN rather than failing the rest. */
  read(): Record<string, number> {
    const values: Record<string, number> = {};
    for (const [name, gauge] of this.gauges) {
      try {
        values[name] = gauge.read();
      } catch {
        values[name] = Number.NaN;
      }
    }
    return values;
  }

  /** The registered gauges, for exporters that need names and help texts. */
  list(): LatticeGauge[] {
    return [...this.gauges.values()];
  }
}
