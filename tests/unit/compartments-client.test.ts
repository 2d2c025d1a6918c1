/**
 * The member's side of compartments (issue 13): one case view that merges the
 * shared part and every compartment the reader is in, in time order, each entry
 * marked with where it lives; and the author's choice of where a record goes
 * (default by record kind, narrowed only to a compartment the author is in).
 */
import { describe, expect, it } from 'vitest';
import { mergeByTime } from '../../src/lib/matrix/case-room.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { LocationChoice } from '../../src/lib/forms/location.svelte.ts';
import { UpdateForm } from '../../src/lib/forms/update.svelte.ts';
import { StepForm } from '../../src/lib/forms/step.svelte.ts';
import { MessageForm } from '../../src/lib/forms/message.svelte.ts';
import { refusal } from '../../src/lib/refusal.ts';
import type { CaseEventInput } from '../../src/lib/case/view.ts';
import { CSG, RECORD, T0, ctx, opening, recordEvent, updateRecord } from '../support/domain-fixtures.ts';
import { NOW, fakeCase, t } from './forms-support.ts';

const at = (e: CaseEventInput, ts: number, location?: string): CaseEventInput => ({ ...e, ts, location });

describe('the merged case view', () => {
	it('merges the shared part and the compartments in time order, keeping each room’s own order', () => {
		const a = { id: 'a', type: 'x', sender: CSG, ts: 1, content: {}, encrypted: true };
		const shared = [at(a, 1), at({ ...a, id: 'c' }, 5), at({ ...a, id: 'e' }, 9)];
		const strafrecht = [at({ ...a, id: 'b' }, 3, 'strafrecht'), at({ ...a, id: 'd' }, 5, 'strafrecht')];
		const zorg = [at({ ...a, id: 'f' }, 10, 'zorg')];
		expect(mergeByTime([shared, strafrecht, zorg]).map((e) => e.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
		expect(mergeByTime([shared]).map((e) => e.id)).toEqual(['a', 'c', 'e']);
		expect(mergeByTime([])).toEqual([]);
	});

	it('marks each entry with where it lives; the shared part carries no mark (old views read as before)', () => {
		const events = [
			...opening(),
			recordEvent(RECORD.update, updateRecord(), CSG, T0 + 1000),
			{ ...recordEvent(RECORD.update, updateRecord(), CSG, T0 + 2000), location: 'zorg' }
		];
		const view = reduceCase(events, ctx());
		const updates = view.timeline.filter((e) => e.type === RECORD.update);
		expect(updates.map((e) => e.location)).toEqual([undefined, 'zorg']);
		expect('location' in updates[0]!).toBe(false);
		expect(view.flagged).toEqual([]);
	});

	it('the pointer of a compartment in the case room is not a flagged entry', () => {
		const pointer: CaseEventInput = {
			id: '$p',
			type: 'nl.casusruimte.compartment',
			sender: '@casusruimte-service:hs',
			ts: T0 + 5,
			stateKey: 'strafrecht',
			content: { v: 1, room_id: '!s:hs', kind: 'strafrecht', purpose: 'investigation' },
			encrypted: false
		};
		const view = reduceCase([...opening(), pointer], ctx());
		expect(view.flagged).toEqual([]);
	});
});

describe('where the author puts a record', () => {
	it('the default by kind and domain; narrowing only to a compartment the author is in', () => {
		const none = new LocationChoice({ mine: [] }, RECORD.update);
		expect(none.default).toBe('shared');
		expect(none.offered).toBe(false);
		const some = new LocationChoice({ mine: ['zorg'] }, RECORD.update);
		expect(some.options).toEqual(['shared', 'zorg']);
		expect(some.offered).toBe(true);
		const domain = new LocationChoice({ mine: ['strafrecht'] }, RECORD.update, 'strafrecht');
		expect(domain.value).toBe('strafrecht');
		expect(domain.options).toEqual(['strafrecht']);
	});

	it('the update form sends to the chosen place, and to the shared part when nothing was chosen', async () => {
		const places: unknown[] = [];
		const base = fakeCase();
		const oc = {
			...base,
			mine: ['zorg'],
			async run(command: never, input: never, place?: unknown) {
				places.push(place);
				return base.run(command, input);
			}
		};
		const m = new UpdateForm(oc as never, NOW);
		m.contact.summary = 'Gebeld';
		expect(m.location.options).toEqual(['shared', 'zorg']);
		m.location.value = 'zorg';
		expect(await m.submit(t)).toBe(true);
		expect(places.at(-1)).toEqual({ at: 'zorg', defaultAt: 'shared' });
		const plain = new UpdateForm(fakeCase({ me: CSG }), NOW);
		plain.contact.summary = 'Gebeld';
		expect(plain.location.offered).toBe(false);
		expect(await plain.submit(t)).toBe(true);
	});

	it('a police step may be narrowed to strafrecht; by default it stays shared for the acute clock', async () => {
		const places: unknown[] = [];
		const base = fakeCase();
		const oc = {
			...base,
			mine: ['strafrecht'],
			async run(command: never, input: never, place?: unknown) {
				places.push(place);
				return base.run(command, input);
			}
		};
		const m = new StepForm(oc as never, NOW);
		expect(m.location.default).toBe('shared');
		expect(m.location.options).toEqual(['shared', 'strafrecht']);
		m.choose('aangifte');
		expect(await m.submit(t)).toBe(true);
		expect(places.at(-1)).toEqual({ at: 'shared', defaultAt: 'shared' });
		m.location.value = 'strafrecht';
		expect(await m.submit(t)).toBe(true);
		expect(places.at(-1)).toEqual({ at: 'strafrecht', defaultAt: 'shared' });
	});

	it('a message goes to the shared part, or to a compartment the author is in; an empty one is not sent', async () => {
		const sent: [string, string | undefined][] = [];
		const target = {
			mine: ['zorg'],
			async sendMessage(text: string, at?: string) {
				sent.push([text, at]);
			}
		};
		const m = new MessageForm(target);
		expect(m.location.options).toEqual(['shared', 'zorg']);
		expect(await m.send(t)).toBe(false);
		expect(m.form.error('text')).toBe('composer.empty');
		m.text = 'Overleg morgen?';
		expect(await m.send(t)).toBe(true);
		m.text = 'Alleen voor zorg';
		m.location.value = 'zorg';
		expect(await m.send(t)).toBe(true);
		expect(sent).toEqual([
			['Overleg morgen?', 'shared'],
			['Alleen voor zorg', 'zorg']
		]);
		expect(m.text).toBe('');
		expect(m.location.value).toBe('zorg'); // the place is kept for the next message

		// without compartments there is no choice and no place is passed
		const plain: [string, string | undefined][] = [];
		const n = new MessageForm({
			async sendMessage(text: string, at?: string) {
				plain.push([text, at]);
			}
		});
		n.text = 'Hallo';
		expect(await n.send(t)).toBe(true);
		expect(plain).toEqual([['Hallo', undefined]]);

		// a refusal (e.g. a compartment I was just removed from) is shown, and the text kept
		const refusing = new MessageForm({
			mine: ['zorg'],
			async sendMessage() {
				throw refusal('not-allowed', 'U zit niet in dit compartiment.', 'You are not in this compartment.');
			}
		});
		refusing.text = 'Bewaren';
		expect(await refusing.send(t)).toBe(false);
		expect(refusing.form.refusal?.in('en')).toBe('You are not in this compartment.');
		expect(refusing.form.busy).toBe(false);
		expect(refusing.text).toBe('Bewaren');
	});
});
