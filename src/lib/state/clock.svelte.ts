/**
 * One shared clock for countdowns (triage deadlines, review dates), ticking
 * every 20 seconds while anything reads it. Cheap with hundreds of rows: one
 * timer, one reactive value.
 */
import { createSubscriber } from 'svelte/reactivity';

const TICK_MS = 20_000;

class Clock {
	#now = Date.now();
	#subscribe = createSubscriber((update) => {
		this.#now = Date.now();
		const timer = setInterval(() => {
			this.#now = Date.now();
			update();
		}, TICK_MS);
		return () => clearInterval(timer);
	});

	get now(): number {
		this.#subscribe();
		return this.#now;
	}
}

export const clock = new Clock();
