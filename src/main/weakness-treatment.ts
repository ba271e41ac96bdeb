import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { AuditLog, Clock } from '../../activities/ports';
import { WeaknessTreatment } from '../app/weakness-treatment';
import { MongoWeaknessRegister } from '../infra/mongo/weakness-register';
import { TemporalAcceptanceTimers } from '../infra/temporal/acceptance-timers';

/** Weakness triage over a database and Temporal; the API, the worker and the tests build theirs the same way. */
export function weaknessTreatmentOf(
  db: Db,
  audit: AuditLog,
  temporal: Client,
  taskQueue: string,
  clock: Clock,
): WeaknessTreatment {
  return new WeaknessTreatment({
    logs: new MongoWeaknessRegister(db, audit),
    audit,
    timers: new TemporalAcceptanceTimers(temporal, taskQueue),
    clock,
  });
}
