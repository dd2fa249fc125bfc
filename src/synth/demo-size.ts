/** The demo's size, apart from its generator so that `kinetic demo --help` can say it without loading it. */
export const DEMO_PLAN_WEEKS = 16;
export const DEMO_WEEKS_DONE = 10;
