/**
 * The MDT chair's pilot figures (issue 14): the chair's browser reads the
 * region's cases it is a member of, computes the aggregate for a period
 * (src/lib/privacy/pilot-figures.ts) and, once the chair has seen exactly what
 * will leave the browser, sends that and nothing else to the app server.
 * Behaviour only; the page (/mdt/figures) is markup. The ports make it testable
 * without a browser or a homeserver.
 */
import type { CaseView } from '../case/view.ts';
import { dutchDay } from '../privacy/figures.ts';
import { defaultPeriod } from '../privacy/format.ts';
import { pilotAggregate, type PilotAggregate, type PilotSubmitted } from '../privacy/pilot-figures.ts';
import { Day } from '../case/primitives.ts';
import { isRefusal, refusal, Refusal } from '../refusal.ts';

/** A case room this browser is in, as the case list knows it (plaintext state only). */
export interface PilotCaseRoom {
	roomId: string;
	region: string | null;
	firstReportAt: string | null;
}

export interface PilotPorts {
	/** The case rooms this browser is a member of (the case list's summaries). */
	caseRooms(): readonly PilotCaseRoom[];
	/** Whether the case list has loaded every case (sliding sync loads it in pages). */
	listComplete(): boolean;
	/** Records and messages this device has written that the homeserver has not accepted yet. */
	unsent(): number;
	/** Whether this browser has caught up with the homeserver (not only its cache); waits a while for it. */
	caughtUp(): Promise<boolean>;
	/** One case decrypted and folded, or null when it cannot be opened. */
	readCase(roomId: string): Promise<CaseView | null>;
	send(region: string, aggregate: PilotAggregate): Promise<PilotSubmitted>;
	now(): number;
}

export type PilotStatus = 'idle' | 'computing' | 'ready' | 'sending' | 'sent';

/** How many cases are read at once (each loads its whole history). */
const READS_AT_ONCE = 3;

function asRefusal(err: unknown): Refusal {
	if (isRefusal(err)) return err;
	return refusal(
		'unavailable',
		'De server is nu niet bereikbaar. Er is niets verstuurd; probeer het zo opnieuw.',
		'The server cannot be reached now. Nothing was sent; try again shortly.'
	);
}

export class PilotFiguresModel {
	from = $state('');
	to = $state('');
	status = $state<PilotStatus>('idle');
	/** Cases read so far, of how many. */
	progress = $state({ done: 0, total: 0 });
	/** The aggregate exactly as it will be sent (null until computed, and again when the period changes). */
	aggregate = $state.raw<PilotAggregate | null>(null);
	/** Cases of the region in the period that could not be opened at all. */
	unopened = $state(0);
	sent = $state.raw<PilotSubmitted | null>(null);
	error = $state.raw<Refusal | null>(null);
	private computedFor: string | null = null;

	constructor(
		readonly region: string,
		private readonly ports: PilotPorts
	) {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- read once, never changed
		const p = defaultPeriod(new Date(ports.now()));
		this.from = p.from;
		this.to = p.to;
	}

	/** The period as entered, or a refusal saying what is wrong with it. */
	private period(): { from: string; to: string } | Refusal {
		if (!Day.safeParse(this.from).success || !Day.safeParse(this.to).success)
			return refusal('invalid', 'Kies een begin- en einddatum.', 'Choose a start and an end date.');
		if (this.from > this.to)
			return refusal('invalid', 'De periode begint na het einde.', 'The period starts after it ends.');
		return { from: this.from, to: this.to };
	}

	/** The preview is stale when the period changed since it was computed: it must be computed again before sending. */
	get stale(): boolean {
		return this.aggregate !== null && this.computedFor !== `${this.from}..${this.to}`;
	}

	/** Exactly the text that leaves the browser when the chair sends. */
	get preview(): string {
		return this.aggregate ? JSON.stringify(this.aggregate, null, 2) : '';
	}

	/** The region's cases first reported in the period that this browser is in (by plaintext state). */
	private rooms(period: { from: string; to: string }): string[] {
		return this.ports
			.caseRooms()
			.filter((r) => {
				if (r.region !== this.region || !r.firstReportAt) return false;
				const day = dutchDay(r.firstReportAt);
				return day >= period.from && day <= period.to;
			})
			.map((r) => r.roomId);
	}

	async compute(): Promise<void> {
		const period = this.period();
		this.sent = null;
		if (period instanceof Refusal) {
			this.error = period;
			return;
		}
		if (!this.ports.listComplete()) {
			this.error = refusal(
				'unavailable',
				'De lijst met casussen wordt nog geladen; probeer het zo opnieuw, anders ontbreken casussen in de cijfers.',
				'The case list is still loading; try again shortly, or cases would be missing from the figures.'
			);
			return;
		}
		if (this.ports.unsent() > 0) {
			// A case opened a moment ago whose intake is still on its way would count as unread.
			this.error = refusal(
				'unavailable',
				'Op dit apparaat wacht nog werk op verzending; zonder dat zijn de cijfers onvolledig. Probeer het opnieuw zodra alles verstuurd is.',
				'Work on this device is still waiting to be sent; without it the figures are incomplete. Try again once everything has been sent.'
			);
			return;
		}
		this.error = null;
		this.aggregate = null;
		this.status = 'computing';
		if (!(await this.ports.caughtUp())) {
			// Started from its cache and not yet brought up to date: the newest records would be missing.
			this.error = refusal(
				'unavailable',
				'Deze browser is nog niet bijgewerkt met de server; zonder de nieuwste gegevens zijn de cijfers onvolledig. Probeer het zo opnieuw.',
				'This browser has not caught up with the server yet; without the newest records the figures are incomplete. Try again shortly.'
			);
			this.status = 'idle';
			return;
		}
		const rooms = this.rooms(period);
		this.progress = { done: 0, total: rooms.length };
		const views: CaseView[] = [];
		let unopened = 0;
		try {
			for (let i = 0; i < rooms.length; i += READS_AT_ONCE) {
				const batch = await Promise.all(rooms.slice(i, i + READS_AT_ONCE).map((r) => this.ports.readCase(r)));
				for (const v of batch) {
					if (v) views.push(v);
					else unopened++;
				}
				this.progress = { done: Math.min(rooms.length, i + READS_AT_ONCE), total: rooms.length };
			}
			this.unopened = unopened;
			this.aggregate = pilotAggregate(views, { region: this.region, ...period, now: this.ports.now() });
			this.computedFor = `${period.from}..${period.to}`;
			this.status = 'ready';
		} catch (err) {
			this.error = asRefusal(err);
			this.status = 'idle';
		}
	}

	/** Sends the aggregate shown in the preview, and only that. */
	async send(): Promise<void> {
		const aggregate = this.aggregate;
		if (!aggregate || this.stale) {
			this.error = refusal(
				'invalid',
				'Bereken de cijfers eerst voor deze periode; dan ziet u wat er verstuurd wordt.',
				'Compute the figures for this period first; then you see what will be sent.'
			);
			return;
		}
		this.error = null;
		this.status = 'sending';
		try {
			this.sent = await this.ports.send(this.region, aggregate);
			this.status = 'sent';
		} catch (err) {
			this.error = asRefusal(err);
			this.status = 'ready';
		}
	}
}
