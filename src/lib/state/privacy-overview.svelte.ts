/**
 * The privacy overview page's model (issue 15): the server pages, orders,
 * filters and counts (src/lib/privacy/overview.ts); the page holds the query and
 * asks for one page at a time. A change of filter, region or search starts at
 * the first page again. An answer to an older request that arrives after a newer
 * one is dropped, so a slow request never overwrites what the officer asked last.
 */
import { OVERVIEW_PAGE_SIZE, overviewSearch, type OverviewFilter, type OverviewQuery } from '../privacy/overview.ts';
import type { OverviewResponse } from '../privacy/schemas.ts';

export type OverviewFetch = (path: string) => Promise<OverviewResponse>;

export class PrivacyOverviewModel {
	data = $state<OverviewResponse | null>(null);
	error = $state<unknown>(null);
	loading = $state(false);
	filter = $state<OverviewFilter>('all');
	region = $state<string>('');
	/** The search as typed; applied with search(). */
	q = $state('');
	offset = $state(0);
	readonly limit: number;
	#seq = 0;

	/** The rows shown, 1-based; 0 of 0 when nothing matches. */
	readonly from = $derived(this.data && this.data.cases.length ? this.data.query.offset + 1 : 0);
	readonly to = $derived(this.data ? this.data.query.offset + this.data.cases.length : 0);
	readonly hasPrevious = $derived(Boolean(this.data && this.data.query.offset > 0));
	readonly hasNext = $derived(
		Boolean(this.data && this.data.query.offset + this.data.cases.length < this.data.matched)
	);

	constructor(
		private readonly fetchPage: OverviewFetch,
		opts: { limit?: number } = {}
	) {
		this.limit = opts.limit ?? OVERVIEW_PAGE_SIZE;
	}

	/** The API path of the current query. */
	path(): string {
		const query: Partial<OverviewQuery> = {
			filter: this.filter,
			region: (this.region || null) as OverviewQuery['region'],
			q: this.q.trim(),
			offset: this.offset,
			limit: this.limit
		};
		return `/api/privacy/cases${overviewSearch(query)}`;
	}

	async load(): Promise<void> {
		const seq = ++this.#seq;
		this.loading = true;
		try {
			const data = await this.fetchPage(this.path());
			if (seq !== this.#seq) return;
			this.data = data;
			this.error = null;
		} catch (err) {
			if (seq !== this.#seq) return;
			this.error = err;
		} finally {
			if (seq === this.#seq) this.loading = false;
		}
	}

	setFilter(filter: OverviewFilter): Promise<void> {
		this.filter = filter;
		this.offset = 0;
		return this.load();
	}

	setRegion(region: string): Promise<void> {
		this.region = region;
		this.offset = 0;
		return this.load();
	}

	/** Searches for what is typed in `q` (a part of a reference, or a room ID), from the first page. */
	search(): Promise<void> {
		this.offset = 0;
		return this.load();
	}

	next(): Promise<void> {
		if (!this.hasNext) return Promise.resolve();
		this.offset = this.data!.query.offset + this.limit;
		return this.load();
	}

	previous(): Promise<void> {
		if (!this.hasPrevious) return Promise.resolve();
		this.offset = Math.max(0, this.data!.query.offset - this.limit);
		return this.load();
	}
}
