import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell, parseCsv, toCsv } from '../../src/lib/csv.ts';

describe('CSV export', () => {
	it('quotes separators, quotes and line breaks', () => {
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
		expect(csvCell(' padded')).toBe('" padded"');
		expect(csvCell(null)).toBe('');
		expect(csvCell(true)).toBe('ja');
		expect(csvCell(12)).toBe('12');
	});

	it('defuses spreadsheet formulas', () => {
		expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
		expect(csvCell('+31')).toBe("'+31");
		expect(csvCell('-1')).toBe("'-1");
		expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvCell(-1)).toBe('-1'); // numbers are numbers
	});

	it('round-trips any text (property)', () => {
		fc.assert(
			fc.property(
				fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
				(rows) => {
					const header = rows[0]!.map((_, i) => `c${i}`);
					const body = rows.map((r) => header.map((_, i) => r[i] ?? ''));
					const parsed = parseCsv(toCsv(header, body));
					const unformula = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
					return JSON.stringify(parsed) === JSON.stringify([header, ...body.map((r) => r.map(unformula))]);
				}
			)
		);
	});
});
