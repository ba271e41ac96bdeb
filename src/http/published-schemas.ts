import reportV110 from '../../schemas/report-1.1.0.schema.json';
import reportV120 from '../../schemas/report-1.2.0.schema.json';
import reportV130 from '../../schemas/report-1.3.0.schema.json';
import reportV140 from '../../schemas/report-1.4.0.schema.json';
import reportV150 from '../../schemas/report-1.5.0.schema.json';
import reportV160 from '../../schemas/report-1.6.0.schema.json';

/** Every JSON Schema the service publishes, by name and version. Versions stay published after a newer one
 * replaces them, so an export made under any of them can still be checked against its own. */
export const PUBLISHED_SCHEMAS: Readonly<Record<string, Readonly<Record<string, object>>>> = Object.freeze({
  report: Object.freeze({
    '1.1.0': reportV110,
    '1.2.0': reportV120,
    '1.3.0': reportV130,
    '1.4.0': reportV140,
    '1.5.0': reportV150,
    '1.6.0': reportV160,
  }),
});
