/**
 * The case list's filter model, driven without a browser: a second change made
 * before the URL has caught up builds on the first (the race a slow navigation
 * caused), the URL is the source again once it changes, and paging.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaseListFilter, PAGE_SIZE, SEARCH_DELAY_MS } from '../../src/lib/state/case-list-filter.svelte.ts';
import type { CaseRow } from '../../src/lib/state/case-filter.ts';

const row = (i: number, over: Partial<CaseRow> = {}): CaseRow =>
	({
		roomId: `!r${i}:hs`,
		reference: `DH-2026-${String(i).padStart(4, '0')}`,
		region: 'DH',
		phase: 'triage',
		membership: 'join',
		myPart: 'member',
		unreadCount: 0,
		unreadAtLeast: false,
		...over
	}) as CaseRow;

const rows: CaseRow[] = [
	row(1),
	row(2, { region: 'OB' }),
	row(3, { region: 'OB', phase: 'closed' }),
	...Array.from({ length: 450 }, (_, i) => row(100 + i))
];

function model(query = '') {
	const urls: string[] = [];
	const list = new CaseListFilter(
		() => rows,
		(params) => urls.push(params.toString()),
		new URLSearchParams(query)
	);
	return { list, urls };
}

describe('case list filter model', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('starts from the URL and filters at once', () => {
		const { list } = model('regio=OB&fase=all');
		expect(list.filter).toMatchObject({ region: 'OB', phase: 'all' });
		expect(list.rows.map((r) => r.reference)).toEqual(['DH-2026-0002', 'DH-2026-0003']);
		expect(list.filtered).toBe(true);
		expect(list.regions).toEqual(['DH', 'OB']);
	});

	it('a filter chosen before the URL caught up is the base of the search box’s delayed update', () => {
		const { list, urls } = model();
		list.search('0002');
		list.update({ region: 'OB' }); // the URL has not caught up yet
		expect(list.rows.map((r) => r.reference)).toEqual(['DH-2026-0002']);
		vi.advanceTimersByTime(SEARCH_DELAY_MS);
		// the delayed search navigation keeps the region chosen a moment before
		expect(urls).toEqual(['zoek=0002&regio=OB', 'zoek=0002&regio=OB']);
		expect(list.filter.region).toBe('OB');
	});

	it('two filter changes before the URL catches up: the second keeps the first', () => {
		const { list, urls } = model();
		list.update({ region: 'OB' });
		list.update({ phase: 'all' });
		expect(urls.at(-1)).toBe('regio=OB&fase=all');
	});

	it('once the URL changes it is the source again (back, or another tab of the page)', () => {
		const { list } = model();
		list.update({ region: 'OB' });
		list.fromUrl(new URLSearchParams('fase=closed'));
		expect(list.filter).toMatchObject({ region: '', phase: 'closed' });
		expect(list.rows.map((r) => r.reference)).toEqual(['DH-2026-0003']);
	});

	it('clear resets every filter and the search, and cancels a pending search update', () => {
		const { list, urls } = model('regio=OB');
		list.search('0003');
		list.clear();
		vi.advanceTimersByTime(SEARCH_DELAY_MS * 2);
		expect(urls).toEqual(['']);
		expect(list.filter).toEqual({ q: '', region: '', phase: 'open', part: 'all' });
		expect(list.filtered).toBe(false);
	});

	it('shows a page of rows at a time; a filter change starts at the first page again', () => {
		const { list } = model();
		expect(list.rows).toHaveLength(452); // open cases only
		expect(list.shown).toHaveLength(PAGE_SIZE);
		expect(list.hidden).toBe(452 - PAGE_SIZE);
		list.more();
		list.more();
		expect(list.shown).toHaveLength(452);
		expect(list.hidden).toBe(0);
		list.update({ part: 'all' });
		expect(list.shown).toHaveLength(PAGE_SIZE);
	});

	it('a page that is left navigates no more', () => {
		const { list, urls } = model();
		list.search('x');
		list.dispose();
		vi.advanceTimersByTime(SEARCH_DELAY_MS);
		expect(urls).toEqual([]);
	});
});
