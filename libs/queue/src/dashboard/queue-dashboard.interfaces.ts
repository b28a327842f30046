import type { IncomingMessage } from 'node:http';

export interface QueueDashboardOptions {
  /** Where the dashboard is mounted (default `/admin/queues`). */
  route?: string;
  /**
   * Who may see it (bull-board has no guard of its own, and Nest guards do not reach it):
   * called for every dashboard request, page and API alike. `false` answers 403; throw an
   * `HttpException` (an `UnauthorizedException`, say) for another answer. Default: everyone.
   */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
}
