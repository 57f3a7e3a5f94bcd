'use strict';
/*
 * graph_sdk.js - Microsoft's own Graph JS SDK (@microsoft/microsoft-graph-client,
 * unchanged, as npm installs it) as an independent client of graph-emulator.
 *
 * usage: node graph_sdk.js BASE_URL TENANT CLIENT_ID CLIENT_SECRET
 *   BASE_URL   the emulator's https:// URL (sign-in and Graph on one host)
 * Trust comes from NODE_EXTRA_CA_CERTS; certificate verification stays on.
 *
 * Signs in with client credentials (plain fetch: the SDK does not sign in),
 * then through the SDK only: pages every user (PageIterator, $select
 * id,userPrincipalName, $top 999), reads up to 20 users' per-user MFA state
 * in one $batch on /beta (BatchRequestContent / BatchResponseContent), and
 * PATCHes the first of them to another state. Prints one JSON object on
 * stdout for tests/conformance/test_graph_sdk.py to compare with
 * /_emulator/state; any failure is one line on stderr and exit 1.
 */
const {
	Client, PageIterator, BatchRequestContent, BatchResponseContent,
} = require('@microsoft/microsoft-graph-client');

const BATCH_ITEMS = 20;

async function signIn(base, tenant, clientId, secret) {
	const url = `${base}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
	const r = await fetch(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			grant_type: 'client_credentials', client_id: clientId,
			client_secret: secret, scope: 'https://graph.microsoft.com/.default',
		}),
	});
	const text = await r.text();
	if (r.status !== 200)
		throw new Error(`token endpoint answered ${r.status}: ${text.slice(0, 300)}`);
	return JSON.parse(text).access_token;
}

/* Items spread over the whole list, so the batch reads users of every page. */
function spread(users, n) {
	const step = Math.max(1, Math.floor(users.length / n));
	const out = [];
	for (let i = 0; i < users.length && out.length < n; i += step)
		out.push(users[i].id);
	return out;
}

async function main(argv) {
	if (argv.length !== 4)
		throw new Error('usage: node graph_sdk.js BASE_URL TENANT CLIENT_ID CLIENT_SECRET');
	const [base, tenant, clientId, secret] = argv;
	const token = await signIn(base, tenant, clientId, secret);

	// The SDK attaches the token only to https URLs of hosts it knows as
	// Graph's; customHosts is its documented way to name another one.
	const client = Client.initWithMiddleware({
		baseUrl: base,
		defaultVersion: 'v1.0',
		customHosts: new Set([new URL(base).hostname]),
		authProvider: { getAccessToken: async () => token },
	});

	const users = [];
	const keys = new Set();
	const first = await client.api('/users').select(['id', 'userPrincipalName']).top(999).get();
	const pages = new PageIterator(client, first, (u) => {
		Object.keys(u).forEach((k) => keys.add(k));
		users.push({ id: u.id, userPrincipalName: u.userPrincipalName });
		return true;
	});
	await pages.iterate();
	if (!pages.isComplete())
		throw new Error('PageIterator stopped before the last page');

	const ids = spread(users, BATCH_ITEMS);
	const batch = new BatchRequestContent();
	ids.forEach((id, i) => batch.addRequest({
		id: String(i + 1),
		// The Request only carries method and path: getContent() strips the
		// scheme and host, leaving the item url relative to the batch's version.
		request: new Request(`${base}/users/${encodeURIComponent(id)}/authentication/requirements`,
			{ method: 'GET' }),
	}));
	const raw = await client.api('/$batch').version('beta').post(await batch.getContent());
	const answers = new BatchResponseContent(raw);
	const states = {};
	const statuses = {};
	for (const [itemId, resp] of answers.getResponses()) {
		const uid = ids[Number(itemId) - 1];
		if (uid === undefined)
			throw new Error(`$batch answered an item id it was not sent: '${itemId}'`);
		statuses[uid] = resp.status;
		if (resp.status === 200)
			states[uid] = (await resp.json()).perUserMfaState;
	}

	const target = ids[0];
	const from = states[target];
	// disabled and enforced are stored as sent (enabled may become enforced)
	const to = from === 'disabled' ? 'enforced' : 'disabled';
	const path = `/users/${encodeURIComponent(target)}/authentication/requirements`;
	await client.api(path).version('beta').patch({ perUserMfaState: to });
	const readBack = (await client.api(path).version('beta').get()).perUserMfaState;

	return {
		sdkVersion: require('@microsoft/microsoft-graph-client/package.json').version,
		users, userKeys: [...keys].sort(),
		batch: { ids, statuses, states },
		patch: { id: target, from, to, readBack },
	};
}

main(process.argv.slice(2)).then((out) => {
	process.stdout.write(JSON.stringify(out) + '\n');
}, (e) => {
	const cause = e && e.cause ? ` (${e.cause.code || e.cause.message || e.cause})` : '';
	const status = e && e.statusCode ? ` (http ${e.statusCode}${e.code ? ' ' + e.code : ''})` : '';
	process.stderr.write(`graph_sdk: ${e && e.message ? e.message : e}${status}${cause}\n`);
	process.exit(1);
});
