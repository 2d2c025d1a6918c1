/** Empties one Redis database index (the bench's own), without a Redis client library. */
import net from 'node:net';

export function flushRedisDb(host: string, port: number, db: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host, port }, () => socket.write(`SELECT ${db}\r\nFLUSHDB\r\nQUIT\r\n`));
		let reply = '';
		socket.on('data', (d) => (reply += d.toString()));
		socket.on('error', reject);
		socket.on('close', () => (reply.includes('-ERR') ? reject(new Error(`Redis: ${reply.trim()}`)) : resolve()));
	});
}

export function redisAvailable(host: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host, port }, () => socket.write('PING\r\n'));
		socket.setTimeout(2000, () => {
			socket.destroy();
			resolve(false);
		});
		socket.on('data', (d) => {
			socket.destroy();
			resolve(d.toString().startsWith('+PONG'));
		});
		socket.on('error', () => resolve(false));
	});
}
