import { CoverageTally, type FrameworkTally } from './coverage';
import type { SharedControl, DerivedLink } from './shared-control';
import { tallyKey } from './statuses';
import type { FrameworkSlug } from '../frameworks';
import type { RowControl } from './types';

/** A catalogue control during one model build: its shared forms, its natural-order place, which list of a
 * row it goes in, and where the row being listed holds it, so that listing a row's controls needs no map. */
export interface ControlSlot {
  derived: SharedControl;
  explicit: SharedControl;
  place: number;
  /** The row's list for the control's framework ({@link ModelMemo.lists}), or -1 when it was not requested. */
  list: number;
  /** The row that last listed the control (its index in the report plus one), and at which index of its list. */
  row: number;
  index: number;
  /** The coverage key the control counts under ({@link CoverageTally.key}), or -1 until a row lists it. */
  coverage: number;
  /** Whether the control applies to a row's endpoint, where that depends on the endpoint (EU AI Act articles, by
   * the tenant's role and the class of the system); absent where it always does. */
  gate?: (endpointId: string) => boolean;
}

/** The controls of one framework that the row being listed bears on, in the order they came; one list serves
 * every row, in turn (why: bench/report-model-tuning.md). */
export class ControlList {
  private readonly listed: SharedControl[] = [];
  private readonly places: number[] = [];
  private count = 0;
  /** The index of the row being listed, which the coverage entries of its controls list. */
  private rowIndex = -1;
  /** The framework's figures over the rows listed so far; rows are listed in report order. */
  private readonly tally = new CoverageTally();

  constructor(private readonly slug: FrameworkSlug) {}

  /** Empties the list for the next row, whose index in the report is given. */
  clear(rowIndex: number): void {
    if (this.count > 0) this.tally.rowsWithControls++;
    this.count = 0;
    this.rowIndex = rowIndex;
  }

  /** Adds a control that the row does not list yet, and counts the row under the control's coverage entry. */
  add(slot: ControlSlot, control: SharedControl, row: number): void {
    slot.row = row;
    slot.index = this.count;
    this.listed[this.count] = control;
    this.places[this.count++] = slot.place;
    if (slot.coverage < 0) {
      this.tally.controlsListed++;
      slot.coverage = this.tally.key(tallyKey(this.slug, control.id));
    }
    this.tally.count(slot.coverage, this.rowIndex);
  }

  /** The framework's figures once every row is listed. */
  finish(): FrameworkTally {
    this.clear(-1);
    return this.tally.finish();
  }

  /** Adds a derivation to a control that the row lists already. */
  derive(slot: ControlSlot, link: DerivedLink): void {
    this.listed[slot.index] = this.listed[slot.index].then(link);
  }

  /** The controls in natural order; among controls of the same place, in the order they came, as a stable sort
   * with the collator gives them. */
  sorted(): RowControl[] {
    const { listed, places, count } = this;
    for (let i = 1; i < count; i++) {
      const control = listed[i];
      const place = places[i];
      let j = i;
      for (; j > 0 && places[j - 1] > place; j--) {
        listed[j] = listed[j - 1];
        places[j] = places[j - 1];
      }
      listed[j] = control;
      places[j] = place;
    }
    const controls = new Array<RowControl>(count);
    for (let i = 0; i < count; i++) controls[i] = listed[i].row;
    return controls;
  }
}
