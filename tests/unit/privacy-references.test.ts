import { describe, expect, it } from 'vitest';
import {
	ReferenceCounterContent,
	formatReference,
	highestPerPrefix,
	splitReference
} from '../../src/lib/server/references.ts';

describe('the reference counter (pure parts)', () => {
	it('reads and writes references', () => {
		expect(splitReference('DH-2026-0042')).toEqual({ prefix: 'DH-2026', n: 42 });
		expect(splitReference('AMS-2026-12345')).toEqual({ prefix: 'AMS-2026', n: 12345 });
		expect(splitReference('Overleg Jansen')).toBeNull();
		expect(formatReference('DH-2026', 7)).toBe('DH-2026-0007');
		expect(formatReference('DH-2026', 10000)).toBe('DH-2026-10000');
	});

	it('starts from the highest number per region and year of the given references', () => {
		expect(highestPerPrefix(['DH-2026-0003', 'DH-2026-0011', 'DH-2025-0100', 'UT-2026-0001', 'nonsense'])).toEqual({
			'DH-2026': 11,
			'DH-2025': 100,
			'UT-2026': 1
		});
	});

	it('stores nothing but prefixes and numbers', () => {
		expect(ReferenceCounterContent.safeParse({ v: 1, last: { 'DH-2026': 3 } }).success).toBe(true);
		expect(ReferenceCounterContent.safeParse({ v: 1, last: { 'Jan Jansen': 3 } }).success).toBe(false);
		expect(ReferenceCounterContent.safeParse({ v: 1, last: {}, note: 'x' }).success).toBe(false);
	});
});
