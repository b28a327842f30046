/** The sample app's version, shown on its pages and in the boot report. */
export const FORUM_VERSION = '0.1.0';
