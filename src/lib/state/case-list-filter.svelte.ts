/**
 * The case list's filters as the page uses them: the filter in the URL, the
 * search box that filters as you type while the URL follows a moment later,
 * and the number of rows shown. The page only binds to it (pages are markup).
 *
 * A change the user made before the URL has caught up (a slow navigation) is
 * the base of the next change: the search box's delayed update never puts back
 * an older region or phase. Once the URL changes, it is the source again.
 */
import {
	DEFAULT_FILTER,
	filterCases,
	filterFromParams,
	filterToParams,
	isFiltered,
	regionsOf,
	type CaseFilter,
	type CaseRow
} from './case-filter.ts';

/** Rows rendered at once; "more" adds as many again. */
export const PAGE_SIZE = 200;
/** How long the search box waits after the last keystroke before the URL follows. */
export const SEARCH_DELAY_MS = 400;

export class CaseListFilter {
	/** The search box's text: filters at once, reaches the URL after SEARCH_DELAY_MS. */
	q = $state('');
	/** How many of the matching rows are shown. */
	limit = $state(PAGE_SIZE);
	#url = $state.raw<CaseFilter>(DEFAULT_FILTER);
	#chosen = $state.raw<CaseFilter | null>(null);
	#timer: ReturnType<typeof setTimeout> | undefined;
	#all: () => readonly CaseRow[] = () => [];
	#navigate: (params: URLSearchParams) => void = () => {};

	readonly filter: CaseFilter = $derived({ ...(this.#chosen ?? this.#url), q: this.q });
	readonly filtered = $derived(isFiltered(this.filter));
	readonly rows: CaseRow[] = $derived(filterCases(this.#all(), this.filter));
	readonly shown: CaseRow[] = $derived(this.rows.slice(0, this.limit));
	readonly regions: string[] = $derived(regionsOf(this.#all()));
	readonly hidden = $derived(Math.max(0, this.rows.length - this.limit));

	/**
	 * @param all every row of the case list (read reactively)
	 * @param navigate puts the filter's parameters in the URL (replacing the entry)
	 * @param params the URL's parameters at the start
	 */
	constructor(all: () => readonly CaseRow[], navigate: (params: URLSearchParams) => void, params: URLSearchParams) {
		this.#all = all;
		this.#navigate = navigate;
		this.#url = filterFromParams(params);
		this.q = this.#url.q;
	}

	/** The URL changed (this list's own navigation caught up, or back/forward): it is the source again. */
	fromUrl(params: URLSearchParams): void {
		this.#url = filterFromParams(params);
		this.#chosen = null;
	}

	/** A keystroke in the search box. */
	search(value: string): void {
		this.q = value;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.update({ q: value }), SEARCH_DELAY_MS);
	}

	/** A filter changed: the list follows at once, the URL right after. */
	update(change: Partial<CaseFilter>): void {
		const next = { ...this.filter, ...change };
		this.#chosen = next;
		this.limit = PAGE_SIZE;
		this.#navigate(filterToParams(next));
	}

	clear(): void {
		clearTimeout(this.#timer);
		this.q = '';
		this.update(DEFAULT_FILTER);
	}

	more(): void {
		this.limit += PAGE_SIZE;
	}

	/** The page is left: no delayed update may navigate afterwards. */
	dispose(): void {
		clearTimeout(this.#timer);
	}
}
