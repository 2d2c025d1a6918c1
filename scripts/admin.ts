/**
 * The beheerder's command.
 *
 *   npm run admin -- user add <localpart> --org <ORG> --role <role>[,<role>] --password <pw> [--name "<display name>"]
 *   npm run admin -- user set <localpart> [--org <ORG>] [--role <roles>] [--name "<display name>"]
 *   npm run admin -- user disable <localpart>
 *   npm run admin -- user list
 *   npm run admin -- user import <file.csv>      (header: localpart,org,roles,password[,display_name]; roles split by ;)
 *   npm run admin -- org add <CODE> --name "<name>"
 *   npm run admin -- org list
 *   npm run admin -- mdt add <REGION> <localpart> [--deputy] [--chair]
 *   npm run admin -- mdt remove <REGION> <localpart>
 *   npm run admin -- mdt list [REGION]
 *   npm run admin -- mdt import <file.csv>        (header: region,localpart,part; part = member|deputy|chair)
 *   npm run admin -- mdt sync                     (brings every region's MDT board in line with the directory)
 *
 * It talks to the homeserver whose data folder is CASUS_DATA_DIR (default: the demo's, .data/demo).
 */
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromEnv, ConfigError } from '../src/lib/server/config.ts';
import { connectService } from '../src/lib/server/service-account.ts';
import { Accounts, AdminError, parseUserCsv } from '../src/lib/server/accounts.ts';
import { HomeserverUnreachableError, MatrixHttpError } from '../src/lib/server/http.ts';
import { CaseService } from '../src/lib/server/cases.ts';
import { AuditLog } from '../src/lib/server/privacy/audit.ts';
import { privacySettings } from '../src/lib/server/privacy/settings.ts';
import { Refusal } from '../src/lib/refusal.ts';
import { DEMO_DATA_DIR } from './lib/paths.ts';
import { MdtAdmin, parseMdtCsv, type MdtPart } from '../src/lib/server/mdt-admin.ts';

const USAGE = readFileSync(new URL(import.meta.url), 'utf8')
	.split('*/')[0]!
	.replace(/^\/\*\*|^ \* ?/gm, '')
	.trim();

export async function runAdmin(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
	const { values, positionals } = parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			org: { type: 'string' },
			role: { type: 'string' },
			password: { type: 'string' },
			name: { type: 'string' },
			deputy: { type: 'boolean' },
			chair: { type: 'boolean' },
			help: { type: 'boolean', short: 'h' }
		}
	});
	const [noun, verb, arg, arg2] = positionals;
	if (values.help || !noun) {
		console.log(USAGE);
		return values.help ? 0 : 2;
	}
	const config = configFromEnv({
		...env,
		CASUS_DATA_DIR: env.CASUS_DATA_DIR ?? (env.CASUS_HOMESERVER_URL ? undefined : DEMO_DATA_DIR)
	});
	const service = await connectService(config);
	const accounts = new Accounts(config, service);
	const { auditLog } = privacySettings({ ...env, CASUS_DATA_DIR: config.dataDir ?? env.CASUS_DATA_DIR });
	const cases = new CaseService(config, service, { audit: auditLog ? new AuditLog(auditLog) : null });
	/** After a change in the directory: the power of these users in every case room follows it now. */
	const followDirectory = async (...users: string[]) => {
		const directory = await cases.directory();
		const run = await cases.reconcileAuthority({ users, directory });
		if (run.updated.length) console.log(`Authority updated in ${run.updated.length} case room(s).`);
		for (const f of run.failed) console.error(`Authority not updated in ${f.roomId}: ${f.error}`);
		// A role change can take someone out of an MDT in effect: the boards follow at once.
		const boards = await cases.boards.reconcileAll(directory, { force: users });
		for (const b of boards.runs)
			if (b.invited.length || b.removed.length)
				console.log(`Board ${b.region}: ${b.invited.length} invited, ${b.removed.length} removed.`);
		for (const f of boards.failed) console.error(`Board ${f.region} not updated: ${f.error}`);
		return run.failed.length || boards.failed.length ? 1 : 0;
	};
	/** After an MDT change: the region's board follows it now (users in `force` taken out at once). */
	const followMdt = async (regions: Iterable<string>, force: string[] = []) => {
		const directory = await cases.directory();
		let failed = 0;
		for (const region of new Set(regions)) {
			try {
				const run = await cases.boards.reconcileBoard(region, directory, { force });
				if (run && (run.invited.length || run.removed.length))
					console.log(`Board ${region}: ${run.invited.length} invited, ${run.removed.length} removed (${run.roomId}).`);
			} catch (err) {
				failed++;
				console.error(
					`Board ${region} not updated: ${describeError(err)}. The MDT itself is saved; run \`npm run admin -- mdt sync\` to try again.`
				);
			}
		}
		return failed ? 1 : 0;
	};
	const mdts = new MdtAdmin(accounts);
	const roles = values.role
		?.split(',')
		.map((r) => r.trim())
		.filter(Boolean);
	const need = (value: string | undefined, what: string): string => {
		if (!value) throw new AdminError(`Missing ${what}.\n\n${USAGE}`);
		return value;
	};

	switch (`${noun} ${verb ?? ''}`.trim()) {
		case 'user add': {
			const localpart = need(arg, '<localpart>');
			const outcome = await accounts.addUser({
				localpart,
				org: need(values.org, '--org <ORG>'),
				roles: roles ?? [],
				password: need(values.password, '--password <password>'),
				displayName: values.name
			});
			console.log(
				outcome === 'created'
					? `Added ${accounts.userId(localpart)}.`
					: `${accounts.userId(localpart)} already exists with that organisation and those roles; nothing changed.`
			);
			return outcome === 'created' ? followDirectory(accounts.userId(localpart)) : 0;
		}
		case 'user set': {
			const entry = await accounts.setUser(need(arg, '<localpart>'), {
				org: values.org,
				roles,
				displayName: values.name
			});
			console.log(`${entry.userId}: ${entry.org}, ${entry.roles.join(',')}.`);
			return followDirectory(entry.userId);
		}
		case 'user disable': {
			const localpart = need(arg, '<localpart>');
			const outcome = await accounts.disableUser(localpart);
			console.log(
				outcome === 'disabled'
					? `Disabled ${accounts.userId(localpart)}: signed out everywhere and removed from all rooms.`
					: `${accounts.userId(localpart)} was already disabled.`
			);
			return followDirectory(accounts.userId(localpart));
		}
		case 'user list': {
			const users = await accounts.listUsers();
			const rows = users.map((u) => [
				u.userId,
				u.org,
				u.roles.join(','),
				u.active ? 'active' : 'disabled',
				u.display_name
			]);
			printTable(['user', 'org', 'roles', 'status', 'name'], rows);
			return 0;
		}
		case 'user import': {
			const file = need(arg, '<file.csv>');
			if (!existsSync(file)) throw new AdminError(`No such file: ${file}`);
			const users = parseUserCsv(readFileSync(file, 'utf8'));
			let failures = 0;
			for (const user of users) {
				try {
					const outcome = await accounts.addUser(user);
					console.log(`${accounts.userId(user.localpart)}: ${outcome}`);
				} catch (err) {
					failures++;
					console.error(`${accounts.userId(user.localpart)}: ${err instanceof Error ? err.message : String(err)}`);
				}
			}
			console.log(`${users.length - failures} of ${users.length} users imported.`);
			return (await followDirectory(...users.map((u) => accounts.userId(u.localpart)))) || (failures ? 1 : 0);
		}
		case 'org add': {
			const code = need(arg, '<CODE>');
			const outcome = await accounts.addOrganisation(code, need(values.name, '--name "<name>"'));
			console.log(`Organisation ${code.toUpperCase()}: ${outcome}.`);
			return 0;
		}
		case 'org list': {
			const directory = await accounts.directory();
			printTable(
				['code', 'name'],
				directory.organisations.map((o) => [o.code, o.name])
			);
			return 0;
		}
		case 'mdt add': {
			if (values.chair && values.deputy) throw new AdminError('Choose --chair or --deputy, not both.');
			const part: MdtPart = values.chair ? 'chair' : values.deputy ? 'deputy' : 'member';
			const region = need(arg, '<REGION>').toUpperCase();
			const { outcome, userId } = await mdts.add(region, need(arg2, '<localpart>'), part);
			console.log(
				outcome === 'unchanged'
					? `${userId} already sits in the ${region} MDT as ${part}; nothing changed.`
					: `${userId}: ${part} of the ${region} MDT (${outcome}).`
			);
			return followMdt([region]);
		}
		case 'mdt remove': {
			const region = need(arg, '<REGION>').toUpperCase();
			const { outcome, userId } = await mdts.remove(region, need(arg2, '<localpart>'));
			console.log(
				outcome === 'removed'
					? `${userId} no longer sits in the ${region} MDT.`
					: `${userId} was not in the ${region} MDT; nothing changed.`
			);
			return followMdt([region], [userId]);
		}
		case 'mdt list': {
			const rows = await mdts.list(arg);
			printTable(
				['region', 'part', 'user', 'org', 'status', 'name'],
				rows.map((r) => [r.region, r.part, r.userId, r.org, r.active ? 'active' : 'disabled', r.name])
			);
			return 0;
		}
		case 'mdt import': {
			const file = need(arg, '<file.csv>');
			if (!existsSync(file)) throw new AdminError(`No such file: ${file}`);
			const rows = parseMdtCsv(readFileSync(file, 'utf8'));
			let failures = 0;
			const regions: string[] = [];
			for (const row of rows) {
				try {
					const { outcome, userId } = await mdts.add(row.region, row.localpart, row.part);
					regions.push(row.region.toUpperCase());
					console.log(`${row.region.toUpperCase()} ${userId}: ${row.part} (${outcome})`);
				} catch (err) {
					failures++;
					console.error(`${row.region} ${row.localpart}: ${describeError(err)}`);
				}
			}
			console.log(`${rows.length - failures} of ${rows.length} MDT seats imported.`);
			return (await followMdt(regions)) || (failures ? 1 : 0);
		}
		case 'mdt sync': {
			const result = await cases.boards.reconcileAll(await cases.directory());
			for (const run of result.runs)
				console.log(
					`Board ${run.region}: ${run.invited.length} invited, ${run.removed.length} removed (${run.roomId}).`
				);
			for (const f of result.failed) console.error(`Board ${f.region} not updated: ${f.error}`);
			return result.failed.length ? 1 : 0;
		}
		default:
			throw new AdminError(`Unknown command "${positionals.join(' ')}".\n\n${USAGE}`);
	}
}

function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => c.padEnd(widths[i]!))
			.join('  ')
			.trimEnd();
	console.log(line(header));
	for (const row of rows) console.log(line(row));
}

export function describeError(err: unknown): string {
	if (err instanceof AdminError || err instanceof ConfigError || err instanceof HomeserverUnreachableError)
		return err.message;
	if (err instanceof MatrixHttpError) return `The homeserver refused: ${err.errcode}: ${err.message}`;
	if (err instanceof Refusal) return err.text.en;
	if (err instanceof Error && err.name === 'TypeError' && /parseArgs|option/i.test(err.message)) return err.message;
	return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

if (import.meta.url === `file://${process.argv[1]}`) {
	runAdmin(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(err) => {
			console.error(`admin: ${describeError(err)}`);
			process.exit(1);
		}
	);
}
