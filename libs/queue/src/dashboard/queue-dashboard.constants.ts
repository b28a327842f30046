/** The dashboard's options, checked (see `queueDashboardOptionsSchema`). */
export const QUEUE_DASHBOARD_OPTIONS = Symbol('lattice:queue:dashboard-options');
export const DEFAULT_DASHBOARD_ROUTE = '/admin/queues';
