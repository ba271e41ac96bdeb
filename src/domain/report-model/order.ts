/** One collator for every natural sort: `Art. 9` before `Art. 10`. */
export const byNaturalOrder = new Intl.Collator('en', { numeric: true });

/** Code-unit order, for ids and ISO timestamps: exact, where a locale-aware compare is not. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
