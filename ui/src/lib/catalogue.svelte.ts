// The catalogue screen's search, kept outside the component so it survives a visit to a
// record's page and the way back.
import { tick } from "svelte";
import { commands, type SearchPage, type Sort } from "./bindings";
import type { IpcError } from "./bindings";
import { Latest, OneAtATime } from "./latest";
import { current, drawn, keystroke } from "./typing";
import { disciplineOf, SearchTally } from "./usage";

export const PAGE_SIZE = 20;

export const search = $state<{
  query: string;
  filters: string[];
  sort: Sort;
  offset: number;
  page: SearchPage | null;
  /** The query the shown page answers. */
  answered: string | null;
  busy: boolean;
  error: IpcError | null;
}>({ query: "", filters: [], sort: "relevance", offset: 0, page: null, answered: null, busy: false, error: null });

const latest = new Latest();
/** Counts searches whose results were looked at (usage statistics: never who). */
export const tally = new SearchTally((text, found, discipline) => {
  void commands.countSearch(text, found, discipline).catch(() => {});
});
/** Runs the current search; answers to older requests that arrive late are dropped. */
export async function run(): Promise<void> {
  const query = search.query;
  const asked = current();
  search.busy = true;
  const answer = await latest.run(() =>
    commands.searchCatalogue({
      query,
      filters: [...search.filters],
      sort: search.sort,
      offset: search.offset,
      limit: PAGE_SIZE,
    }),
  );
  switch (answer.kind) {
    case "value": {
      const arrived = performance.now();
      search.page = answer.value;
      search.answered = query;
      search.error = null;
      tally.shown(query, answer.value.total, disciplineOf(search.filters));
      void tick().then(() => drawn(asked, arrived));
      break;
    }
    case "error":
      search.error = answer.error;
      break;
    case "stale":
      return;
  }
  search.busy = false;
}

const asYouType = new OneAtATime(run);

/**
 * Search-as-you-type: every keystroke asks at once, unless a search is under way; then the
 * newest text is asked for as soon as it answers. `at` is when the keystroke happened.
 */
export function typed(query: string, at: number = performance.now()): void {
  search.query = query;
  search.offset = 0;
  keystroke(at);
  asYouType.request();
}

export function toggleFilter(filter: string): void {
  search.filters = search.filters.includes(filter)
    ? search.filters.filter((f) => f !== filter)
    : [...search.filters, filter];
  search.offset = 0;
  void run();
}
