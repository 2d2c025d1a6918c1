import { requireSession } from '$lib/state/guards.ts';

export function load() {
	requireSession();
}
