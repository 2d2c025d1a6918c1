import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	computeFigures,
	count,
	median,
	mean,
	share,
	suppressionMask,
	dutchDay,
	type FigureCase
} from '../../src/lib/privacy/figures.ts';
import { FiguresResponse } from '../../src/lib/privacy/schemas.ts';
import { HOUR } from '../../src/lib/case/time.ts';

const at = (day: string, hour = 10) => `${day}T${String(hour).padStart(2, '0')}:00:00Z`;

function cases(n: number, over: Partial<FigureCase> & { day?: string } = {}): FigureCase[] {
	return Array.from({ length: n }, (_, i) => {
		const first = at(over.day ?? '2026-03-10');
		return {
			region: 'DH',
			first_report_at: first,
			acute: i % 2 === 0,
			first_triage_at: new Date(Date.parse(first) + (i + 1) * 6 * HOUR).toISOString(),
			closed_at: null,
			handovers: i % 3,
			organisations: 2 + (i % 4),
			...over
		};
	});
}

describe('suppression primitives', () => {
	it('hides counts below five, including zero', () => {
		expect([0, 1, 4, 5, 17].map((n) => count(n))).toEqual(['<5', '<5', '<5', 5, 17]);
	});

	it('hides a share whose base, part or rest is a small group', () => {
		expect(share(2, 4)).toBe('<5'); // small base
		expect(share(1, 40)).toBe('<5'); // one acute case
		expect(share(38, 40)).toBe('<5'); // two non-acute cases
		expect(share(0, 40)).toBe(0);
		expect(share(40, 40)).toBe(100);
		expect(share(10, 40)).toBe(25);
	});

	it('hides medians and means over fewer than five cases', () => {
		expect(median([1, 2, 3, 4])).toBe('<5');
		expect(median([1, 2, 3, 4, 100])).toBe(3);
		expect(median([1, 2, 3, 4, 5, 6])).toBe(3.5);
		expect(mean([1, 1, 1, 1])).toBe('<5');
		expect(mean([0, 1, 2, 3, 4])).toBe(2);
	});

	it('adds a second hidden cell when a published total would reveal a single one', () => {
		expect(suppressionMask([10, 3, 8, 20], true)).toEqual([false, true, true, false]);
		expect(suppressionMask([10, 3, 8, 20], false)).toEqual([false, true, false, false]);
		expect(suppressionMask([10, 3, 2, 20], true)).toEqual([false, true, true, false]);
		// a lone hidden zero reveals nothing about any case
		expect(suppressionMask([10, 0, 8], true)).toEqual([false, true, false]);
	});

	it('never lets a single hidden non-empty cell be recovered from the total (property)', () => {
		fc.assert(
			fc.property(fc.array(fc.nat({ max: 30 }), { minLength: 2, maxLength: 12 }), (counts) => {
				const mask = suppressionMask(counts, true);
				const hidden = counts.filter((_, i) => mask[i]);
				// either nothing non-empty is hidden, or at least two cells are hidden, or nothing else could be hidden
				return hidden.every((n) => n === 0) || hidden.length >= 2 || mask.every(Boolean);
			})
		);
	});
});

describe('pilot figures', () => {
	it('computes per region and overall, and suppresses a small region entirely', () => {
		const all = [...cases(12), ...cases(3, { region: 'OB' }), ...cases(6, { region: 'UT', day: '2026-04-02' })];
		const f = FiguresResponse.parse(computeFigures(all, { from: '2026-01-01', to: '2026-06-30', now: 0 }));
		expect(f.regions).toEqual(['DH', 'OB', 'UT']);
		const dh = f.by_region.find((r) => r.region === 'DH')!;
		expect(dh.cases).toBe(12);
		expect(dh.acute_share).toBe(50);
		expect(dh.triaged).toBe(12);
		// triage after 6, 12, … 72 hours: median of 6..72 step 6 = (36+42)/2
		expect(dh.triage_median_hours).toBe(39);
		// 6..24 hours: four of twelve within 24 h, a group under five: hidden
		expect(dh.triaged_within_24h_share).toBe('<5');
		const ob = f.by_region.find((r) => r.region === 'OB')!;
		expect(Object.values(ob).filter((v) => v !== 'OB')).toEqual(Array(9).fill('<5'));
		// OB (3) is hidden; with the overall total published, the next smallest region (UT, 6) is hidden too
		expect(f.by_region.find((r) => r.region === 'UT')!.cases).toBe('<5');
		expect(f.overall.cases).toBe(21);
		const march = f.per_month.find((m) => m.month === '2026-03')!;
		expect(march.cells).toEqual([12, '<5', '<5']);
	});

	it('only counts cases first reported in the period, by Dutch calendar day', () => {
		// 23:30 UTC on 31 March is 1 April in the Netherlands
		expect(dutchDay('2026-03-31T23:30:00Z')).toBe('2026-04-01');
		const all = [
			...cases(5, { first_report_at: '2026-03-31T23:30:00Z' }),
			...cases(5, { first_report_at: '2026-03-31T12:00:00Z' })
		];
		const f = computeFigures(all, { from: '2026-04-01', to: '2026-04-30' });
		expect(f.overall.cases).toBe(5);
		expect(f.per_month.map((m) => m.month)).toEqual(['2026-04']);
	});

	it('time to closure and distributions, with small buckets hidden', () => {
		const all = cases(10).map((c, i) => ({
			...c,
			closed_at: i < 6 ? new Date(Date.parse(c.first_report_at) + (10 + i) * 86_400_000).toISOString() : null,
			handovers: i < 7 ? 0 : 1,
			organisations: 3
		}));
		const f = computeFigures(all, { from: '2026-03-01', to: '2026-03-31' });
		expect(f.overall.closed).toBe(6);
		expect(f.overall.closure_median_days).toBe(12.5);
		expect(f.handovers).toEqual([
			{ bucket: '0', cases: 7 },
			{ bucket: '1', cases: '<5' },
			{ bucket: '2+', cases: '<5' }
		]);
		expect(f.organisations.find((o) => o.bucket === '3')!.cases).toBe(10);
	});

	it('shows nothing but "<5" when the whole period has fewer than five cases', () => {
		const f = computeFigures(cases(4), { from: '2026-03-01', to: '2026-03-31' });
		const { per_month, by_region, overall, handovers, organisations } = f;
		const numbers = JSON.stringify({ per_month, by_region, overall, handovers, organisations }).match(/:\d/g);
		expect(numbers).toBeNull();
	});
});
