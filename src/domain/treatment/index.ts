/** The treatment of weaknesses: states and who may move them where, the change a person asks for, a weakness's
 * log and what it tells, its key. */
export * from './states';
export * from './dates';
export * from './change';
export * from './log';
export * from './key';
export * from './sightings';
