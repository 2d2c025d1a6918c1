/**
 * Interface language: Dutch first, English second. Components use `$_('key')`
 * (and `$locale`); nothing else translates.
 *
 * The sign-in page loads only what sign-in needs (issue 15). Its JavaScript
 * carries the messages of the app's frame and of sign-in (the sections in the
 * named imports below; the bundler leaves every other section out) and formats
 * them with a small formatter that fills in `{name}` placeholders. Everything
 * else (all messages, and svelte-i18n with the ICU message format for plurals,
 * dates and numbers) arrives with loadMessages(): the root layout awaits it
 * before any other page renders, and the sign-in page fetches it in the
 * background once it is shown. From then on svelte-i18n formats every message.
 */
import { derived, get, writable, type Readable } from 'svelte/store';
import {
	app as nlApp,
	common as nlCommon,
	connectivity as nlConnectivity,
	login as nlLogin,
	nav as nlNav,
	notices as nlNotices
} from './nl.json';
import {
	app as enApp,
	common as enCommon,
	connectivity as enConnectivity,
	login as enLogin,
	nav as enNav,
	notices as enNotices
} from './en.json';

export const LOCALES = [
	{ code: 'nl', label: 'Nederlands' },
	{ code: 'en', label: 'English' }
] as const;
export type LocaleCode = (typeof LOCALES)[number]['code'];

export interface FormatOptions {
	values?: Record<string, string | number | boolean | Date | null | undefined>;
	default?: string;
}
export type Formatter = (id: string, options?: FormatOptions) => string;

const STORAGE_KEY = 'casusruimte.locale';

function initialLocale(): LocaleCode {
	if (typeof localStorage !== 'undefined') {
		const saved = localStorage.getItem(STORAGE_KEY);
		if (saved === 'nl' || saved === 'en') return saved;
	}
	// Dutch is the default even on an English browser: it is the working language.
	return 'nl';
}

export const locale = writable<LocaleCode>(initialLocale());

// The frame and the sign-in page: header, skip link, language, banners, notices, sign-in.
type Messages = { [key: string]: string | Messages };
const SHELL: Record<LocaleCode, Messages> = {
	nl: { app: nlApp, common: nlCommon, connectivity: nlConnectivity, login: nlLogin, nav: nlNav, notices: nlNotices },
	en: { app: enApp, common: enCommon, connectivity: enConnectivity, login: enLogin, nav: enNav, notices: enNotices }
};

function lookup(messages: Messages, id: string): string | undefined {
	let at: string | Messages | undefined = messages;
	for (const part of id.split('.')) at = typeof at === 'object' ? at[part] : undefined;
	return typeof at === 'string' ? at : undefined;
}

/** The sign-in page's formatter: a shell message with its `{name}` placeholders filled in (Dutch as fallback). */
function shellFormatter(code: LocaleCode): Formatter {
	return (id, options) => {
		const text = lookup(SHELL[code], id) ?? lookup(SHELL.nl, id) ?? options?.default ?? id;
		return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
			options?.values && name in options.values ? String(options.values[name]) : whole
		);
	};
}

/** svelte-i18n's formatter, once loadMessages() has brought it and the messages. */
const full = writable<Formatter | null>(null);

export const _: Readable<Formatter> = derived([locale, full], ([$locale, $full]) => $full ?? shellFormatter($locale));

let loading: Promise<void> | null = null;

/** All messages of both languages and the ICU formatter, once (a failed fetch is tried again on the next page). */
export function loadMessages(): Promise<void> {
	loading ??= (async () => {
		const [i18n, nl, en] = await Promise.all([import('svelte-i18n'), import('./nl.json?raw'), import('./en.json?raw')]);
		i18n.addMessages('nl', JSON.parse(nl.default) as Messages);
		i18n.addMessages('en', JSON.parse(en.default) as Messages);
		i18n.init({ fallbackLocale: 'nl', initialLocale: get(locale) });
		locale.subscribe((code) => void i18n.locale.set(code));
		i18n._.subscribe((format) => full.set((id, options) => format(id, options)));
	})().catch((err) => {
		loading = null;
		throw err;
	});
	return loading;
}

export function setLocale(code: LocaleCode): void {
	locale.set(code);
	if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, code);
	if (typeof document !== 'undefined') document.documentElement.lang = code;
}

export function currentLocale(): LocaleCode {
	return get(locale) === 'en' ? 'en' : 'nl';
}
