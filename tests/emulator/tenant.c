/* tenant.c - generating, loading, exporting and indexing the tenant. */
#include "tenant.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mfa/util/csvr.h"
#include "mfa/util/csvw.h"
#include "mfa/model/source.h"
#include "sources/csv_source.h"
#include "mfa/model/user.h"
#include "rng.h"

static const char *const method_names[MFA_METHOD__COUNT] = {
	"mobilePhone", "alternateMobilePhone", "officePhone", "email",
	"microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless",
	"softwareOneTimePasscode", "hardwareOneTimePasscode", "fido2SecurityKey",
	"windowsHelloForBusiness", "temporaryAccessPass", "passKeyDeviceBound",
	"passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello",
	"macOsSecureEnclaveKey", "securityQuestion",
};

#define M(x) (1u << MFA_METHOD_##x)

const char *emu_method_name(unsigned i)
{
	return i < MFA_METHOD__COUNT ? method_names[i] : NULL;
}

bool emu_methods_passwordless(uint32_t m)
{
	return (m & (M(AUTHENTICATOR_PASSWORDLESS) | M(FIDO2) | M(WINDOWS_HELLO) |
		     M(PASSKEY_DEVICE_BOUND) | M(PASSKEY_AUTHENTICATOR) |
		     M(PASSKEY_WINDOWS_HELLO) | M(MACOS_SECURE_ENCLAVE))) != 0;
}

bool emu_methods_sspr(uint32_t m)
{
	return (m & (M(MOBILE_PHONE) | M(ALTERNATE_MOBILE_PHONE) | M(OFFICE_PHONE) |
		     M(EMAIL) | M(AUTHENTICATOR_PUSH) | M(SOFTWARE_OTP) |
		     M(SECURITY_QUESTION))) != 0;
}

const char *emu_methods_preferred(uint32_t m)
{
	if (m & M(AUTHENTICATOR_PUSH))
		return "push";
	if (m & (M(SOFTWARE_OTP) | M(HARDWARE_OTP)))
		return "oath";
	if (m & M(MOBILE_PHONE))
		return "sms";
	if (m & M(OFFICE_PHONE))
		return "voiceOffice";
	if (m & M(ALTERNATE_MOBILE_PHONE))
		return "voiceAlternateMobile";
	return "none";
}

const char *emu_state_name(enum emu_state s)
{
	switch (s) {
	case EMU_ENABLED: return "enabled";
	case EMU_ENFORCED: return "enforced";
	default: return "disabled";
	}
}

int emu_state_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "disabled") == 0)
		return EMU_DISABLED;
	if (strcmp(s, "enabled") == 0)
		return EMU_ENABLED;
	if (strcmp(s, "enforced") == 0)
		return EMU_ENFORCED;
	return -1;
}

/* ---- storage ---- */

static int pool_add(struct emu_tenant *t, const char *s, uint32_t *off, struct mfa_err *err)
{
	size_t n = strlen(s) + 1;

	if (n == 1) {
		*off = 0;
		return 0;
	}
	if (t->pool_len + n > UINT32_MAX)
		return mfa_err_set(err, "tenant strings exceed 4 GiB");
	if (t->pool_len + n > t->pool_cap) {
		size_t cap = t->pool_cap ? t->pool_cap : 1u << 20;
		char *p;
		while (cap < t->pool_len + n)
			cap *= 2;
		p = realloc(t->pool, cap);
		if (!p)
			return mfa_err_set(err, "out of memory for tenant strings");
		t->pool = p;
		t->pool_cap = cap;
	}
	memcpy(t->pool + t->pool_len, s, n);
	*off = (uint32_t)t->pool_len;
	t->pool_len += n;
	return 0;
}

static int tenant_init(struct emu_tenant *t, uint32_t cap, struct mfa_err *err)
{
	memset(t, 0, sizeof(*t));
	t->users = calloc(cap ? cap : 1, sizeof(*t->users));
	if (!t->users)
		return mfa_err_set(err, "out of memory for %u users", (unsigned)cap);
	t->pool_cap = 1u << 20;
	t->pool = malloc(t->pool_cap);
	if (!t->pool)
		return mfa_err_set(err, "out of memory for tenant strings");
	t->pool[0] = '\0';
	t->pool_len = 1;
	t->default_count = 1;
	return 0;
}

static uint32_t hash_ci(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint32_t)(unsigned char)tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

static void index_put(uint32_t *idx, uint32_t mask, const char *key, uint32_t i)
{
	uint32_t slot = hash_ci(key) & mask;

	while (idx[slot])
		slot = (slot + 1) & mask;
	idx[slot] = i + 1;
}

static long index_get(const struct emu_tenant *t, const uint32_t *idx, const char *key, bool by_id)
{
	uint32_t slot = hash_ci(key) & t->index_mask;

	while (idx[slot]) {
		const struct emu_user *u = &t->users[idx[slot] - 1];
		const char *k = by_id ? emu_user_id(t, u) : emu_user_upn(t, u);
		if (strcasecmp(k, key) == 0)
			return (long)(idx[slot] - 1);
		slot = (slot + 1) & t->index_mask;
	}
	return -1;
}

/* Builds both indexes and the write counters once every user is in.
 * check_ids: refuse duplicate ids (loaded tenants; generated ids are 122
 * random bits, so the check is skipped there for start-up time). */
static int tenant_finish(struct emu_tenant *t, bool check_ids, struct mfa_err *err)
{
	uint32_t size = 16, i;

	while (size < (uint64_t)t->count * 2 + 2)
		size *= 2;
	t->index_mask = size - 1;
	t->id_index = calloc(size, sizeof(uint32_t));
	t->upn_index = calloc(size, sizeof(uint32_t));
	t->writes = calloc(t->count ? t->count : 1, sizeof(*t->writes));
	if (!t->id_index || !t->upn_index || !t->writes)
		return mfa_err_set(err, "out of memory for the tenant index");
	for (i = 0; i < t->count; i++) {
		struct emu_user *u = &t->users[i];
		if (check_ids && index_get(t, t->id_index, emu_user_id(t, u), true) >= 0)
			return mfa_err_set(err, "duplicate user id '%s'", emu_user_id(t, u));
		index_put(t->id_index, t->index_mask, emu_user_id(t, u), i);
		if (u->upn_off)
			index_put(t->upn_index, t->index_mask, emu_user_upn(t, u), i);
	}
	return 0;
}

long emu_tenant_find(const struct emu_tenant *t, const char *key)
{
	long i;

	if (!key || !*key || !t->id_index)
		return -1;
	i = index_get(t, t->id_index, key, true);
	if (i < 0)
		i = index_get(t, t->upn_index, key, false);
	return i;
}

static unsigned default_intern(struct emu_tenant *t, const char *name)
{
	unsigned i;
	uint32_t off;

	if (!name || !*name || strcmp(name, "none") == 0)
		return 0;
	for (i = 1; i < t->default_count; i++)
		if (strcmp(t->pool + (uintptr_t)t->default_names[i], name) == 0)
			return i;
	if (t->default_count >= 256 || pool_add(t, name, &off, NULL) < 0)
		return 0;
	/* the pool may move later: store the offset now, turn into pointers at the end */
	t->default_names[t->default_count] = (const char *)(uintptr_t)off;
	return t->default_count++;
}

static void default_fix_pointers(struct emu_tenant *t)
{
	unsigned i;

	for (i = 1; i < t->default_count; i++)
		t->default_names[i] = t->pool + (uintptr_t)t->default_names[i];
}

/* ---- generation ---- */

struct name { const char *display, *ascii; };

static const struct name given[] = {
	{ "Ada", "ada" }, { "Ben", "ben" }, { "Chloé", "chloe" }, { "Dmitri", "dmitri" },
	{ "Emma", "emma" }, { "Farid", "farid" }, { "Grace", "grace" }, { "Hiro", "hiro" },
	{ "Ines", "ines" }, { "José", "jose" }, { "Kai", "kai" }, { "Lena", "lena" },
	{ "Mohammed", "mohammed" }, { "Nora", "nora" }, { "Øyvind", "oyvind" }, { "Priya", "priya" },
	{ "Quinn", "quinn" }, { "Rosa", "rosa" }, { "Sven", "sven" }, { "Tariq", "tariq" },
	{ "Uma", "uma" }, { "Viktor", "viktor" }, { "Wei", "wei" }, { "Xenia", "xenia" },
	{ "Yusuf", "yusuf" }, { "Zoë", "zoe" }, { "Aiko", "aiko" }, { "Björn", "bjorn" },
	{ "Carmen", "carmen" }, { "Dara", "dara" }, { "Elif", "elif" }, { "François", "francois" },
};
static const struct name surname[] = {
	{ "Smith", "smith" }, { "García", "garcia" }, { "Müller", "muller" }, { "Nguyen", "nguyen" },
	{ "O'Brien", "obrien" }, { "Kowalski", "kowalski" }, { "Rossi", "rossi" }, { "Tanaka", "tanaka" },
	{ "Dubois", "dubois" }, { "Jensen", "jensen" }, { "Okafor", "okafor" }, { "Silva", "silva" },
	{ "Novak", "novak" }, { "Cohen", "cohen" }, { "Patel", "patel" }, { "Ivanova", "ivanova" },
	{ "Larsen", "larsen" }, { "Schmidt", "schmidt" }, { "Yilmaz", "yilmaz" }, { "Kim", "kim" },
	{ "van der Berg", "vanderberg" }, { "Haddad", "haddad" }, { "Eriksson", "eriksson" }, { "Costa", "costa" },
};
static const char *const guest_domains[] = {
	"fabrikam.com", "northwind.example", "gmail.com", "outlook.com", "adatum.net",
};

struct method_set { unsigned weight; uint32_t methods; };

static const struct method_set registered_sets[] = {
	{ 35, M(AUTHENTICATOR_PUSH) | M(MOBILE_PHONE) },
	{ 15, M(AUTHENTICATOR_PUSH) },
	{ 14, M(MOBILE_PHONE) },
	{ 8, M(SOFTWARE_OTP) | M(AUTHENTICATOR_PUSH) },
	{ 8, M(MOBILE_PHONE) | M(EMAIL) },
	{ 5, M(FIDO2) | M(AUTHENTICATOR_PASSWORDLESS) | M(AUTHENTICATOR_PUSH) },
	{ 5, M(WINDOWS_HELLO) | M(AUTHENTICATOR_PUSH) },
	{ 2, M(HARDWARE_OTP) },
	{ 3, M(PASSKEY_AUTHENTICATOR) | M(AUTHENTICATOR_PUSH) },
	{ 2, M(OFFICE_PHONE) | M(ALTERNATE_MOBILE_PHONE) | M(MOBILE_PHONE) },
	{ 2, M(MOBILE_PHONE) | M(EMAIL) | M(SECURITY_QUESTION) },
	{ 1, M(MACOS_SECURE_ENCLAVE) | M(PASSKEY_DEVICE_BOUND) },
};

static uint32_t pick_registered(double u)
{
	unsigned total = 0, acc = 0, i, n = sizeof(registered_sets) / sizeof(registered_sets[0]);

	for (i = 0; i < n; i++)
		total += registered_sets[i].weight;
	for (i = 0; i < n; i++) {
		acc += registered_sets[i].weight;
		if (u * total < acc)
			return registered_sets[i].methods;
	}
	return registered_sets[0].methods;
}

static const char *default_for(uint32_t m)
{
	if (m & M(AUTHENTICATOR_PUSH))
		return "microsoftAuthenticatorPush";
	if (m & M(MOBILE_PHONE))
		return "mobilePhone";
	if (m & (M(SOFTWARE_OTP) | M(HARDWARE_OTP)))
		return "softwareOneTimePasscode";
	if (m & M(OFFICE_PHONE))
		return "officePhone";
	return NULL;
}

static void guid_text(uint64_t a, uint64_t b, char out[37])
{
	/* a version-4 shaped GUID */
	a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
	b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff),
		 (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
}

#define NGIVEN (sizeof(given) / sizeof(given[0]))
#define NSURNAME (sizeof(surname) / sizeof(surname[0]))

int emu_tenant_generate(struct emu_tenant *t, uint32_t n, uint64_t seed, struct mfa_err *err)
{
	uint32_t i;
	char id[37], upn[160], name[160], mail[160];

	if (tenant_init(t, n, err) < 0)
		return -1;
	{
		/* about 120 bytes of strings a user: one allocation, no regrowth copies */
		size_t want = (size_t)n * 128 + 1;
		char *p = want > t->pool_cap ? realloc(t->pool, want) : t->pool;
		if (!p)
			return mfa_err_set(err, "out of memory for %u users", (unsigned)n);
		t->pool = p;
		if (want > t->pool_cap)
			t->pool_cap = want;
	}
	for (i = 0; i < n; i++) {
		struct emu_user *u = &t->users[i];
		uint64_t r = rng_at(seed, 1, i), r2 = rng_at(seed, 2, i);
		double ut = rng_unit(rng_at(seed, 3, i)), us = rng_unit(rng_at(seed, 4, i));
		double ur = rng_unit(rng_at(seed, 5, i)), um = rng_unit(rng_at(seed, 6, i));
		double ux = rng_unit(rng_at(seed, 7, i)), ul = rng_unit(rng_at(seed, 11, i));
		const struct name *g = &given[r % NGIVEN];
		const struct name *s = &surname[(r >> 16) % NSURNAME];
		bool guest = ut < 0.08, registered;
		uint32_t methods;
		int state;
		double p_reg;

		guid_text(rng_at(seed, 8, i), rng_at(seed, 9, i), id);
		/* mail: a guest's is its external address; a member's is its UPN's
		 * name at the mail domain, except about 5% (no mailbox) */
		mail[0] = '\0';
		if (guest) {
			snprintf(upn, sizeof(upn), "%s.%s%u_%s#EXT#@contoso.onmicrosoft.com",
				 g->ascii, s->ascii, (unsigned)i, guest_domains[(r >> 32) % 5]);
			snprintf(mail, sizeof(mail), "%s.%s%u@%s", g->ascii, s->ascii, (unsigned)i,
				 guest_domains[(r >> 32) % 5]);
		} else {
			snprintf(upn, sizeof(upn), "%s.%s%u@contoso.example", g->ascii, s->ascii, (unsigned)i);
			if (ul >= 0.05)
				snprintf(mail, sizeof(mail), "%s.%s%u@" EMU_MAIL_DOMAIN, g->ascii, s->ascii,
					 (unsigned)i);
		}
		/* a few display names a spreadsheet or CSV writer must handle with care */
		if (ux < 0.003)
			snprintf(name, sizeof(name), "%s, %s", s->display, g->display);
		else if (ux < 0.004)
			snprintf(name, sizeof(name), "%s \"%c\" %s", g->display, g->ascii[0] - 32, s->display);
		else if (ux < 0.005)
			snprintf(name, sizeof(name), "=HYPERLINK(\"http://x.example\",\"%s\")", g->display);
		else if (ux < 0.006)
			snprintf(name, sizeof(name), "@%s %s", g->display, s->display);
		else
			snprintf(name, sizeof(name), "%s %s", g->display, s->display);

		if (pool_add(t, id, &u->id_off, err) < 0 || pool_add(t, upn, &u->upn_off, err) < 0 ||
		    pool_add(t, name, &u->name_off, err) < 0 || pool_add(t, mail, &u->mail_off, err) < 0)
			return -1;

		/* most users still disabled; a share enabled, a share enforced */
		if (guest)
			state = us < 0.85 ? EMU_DISABLED : us < 0.93 ? EMU_ENABLED : EMU_ENFORCED;
		else
			state = us < 0.65 ? EMU_DISABLED : us < 0.80 ? EMU_ENABLED : EMU_ENFORCED;
		p_reg = state == EMU_ENFORCED ? 0.92 : state == EMU_ENABLED ? 0.25 : 0.55;
		if (guest)
			p_reg *= 0.3;
		registered = ur < p_reg;
		if (registered)
			methods = pick_registered(um);
		else
			methods = um < 0.7 ? 0 : um < 0.9 ? M(EMAIL) : M(EMAIL) | M(SECURITY_QUESTION);

		u->methods = methods;
		u->flags = 0;
		if (guest)
			u->flags |= EMU_F_GUEST;
		if ((r2 & 0xffff) >= 0x0f5c) /* about 6% blocked */
			u->flags |= EMU_F_ENABLED;
		if (!guest && ((r2 >> 16) & 0xffff) < 0x03d7) /* about 1.5% admins */
			u->flags |= EMU_F_ADMIN;
		if (methods & MFA_METHODS_STRONG)
			u->flags |= EMU_F_REGISTERED;
		if ((u->flags & EMU_F_REGISTERED) && ((r2 >> 32) & 0xff) >= 8)
			u->flags |= EMU_F_CAPABLE;
		if (!guest && ((r2 >> 40) & 0xff) < 77)
			u->flags |= EMU_F_SYNCED;
		if (!guest && ((r2 >> 48) & 0xff) < 205)
			u->flags |= EMU_F_SSPR_ENABLED;
		u->default_method = (uint8_t)default_intern(t, default_for(methods));
		u->created = 1420070400u + (uint32_t)((r2 >> 20) % (3650u * 86400u));
		u->updated = u->created + (uint32_t)((r >> 40) % (365u * 86400u));
		u->orig_state = (uint8_t)state;
		atomic_init(&u->state, (uint8_t)state);
	}
	t->count = n;
	default_fix_pointers(t);
	return tenant_finish(t, false, err);
}

/* ---- users.csv ---- */

/* Column index of name (case-insensitive) in the header, or -1. */
static long header_column(const struct mfa_csvr_record *rec, const char *name)
{
	size_t i;

	for (i = 0; i < rec->n; i++)
		if (strcasecmp(rec->cells[i], name) == 0)
			return (long)i;
	return -1;
}

/* The second pass over a loaded file: mfa_csv_source carries no mail, so
 * the `mail` column (when there is one) is read here and matched to the
 * users by id, else by userPrincipalName, else by row order. */
static int load_mail(struct emu_tenant *t, const char *path, struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	long col, idcol, upncol;
	uint32_t row = 0;
	int rc, ret = -1;

	if (mfa_csvr_open(&r, path, 0, err) < 0)
		goto cleanup;
	if ((rc = mfa_csvr_next(r, &rec, err)) <= 0) {
		ret = rc < 0 ? -1 : 0;
		goto cleanup;
	}
	col = header_column(&rec, "mail");
	idcol = header_column(&rec, "id");
	upncol = header_column(&rec, "userPrincipalName");
	if (col < 0) {
		ret = 0;
		goto cleanup;
	}
	while ((rc = mfa_csvr_next(r, &rec, err)) > 0) {
		long i = -1;
		const char *mail = (size_t)col < rec.n ? rec.cells[col] : "";

		if (idcol >= 0 && (size_t)idcol < rec.n && rec.cells[idcol][0])
			i = emu_tenant_find(t, rec.cells[idcol]);
		if (i < 0 && upncol >= 0 && (size_t)upncol < rec.n && rec.cells[upncol][0])
			i = emu_tenant_find(t, rec.cells[upncol]);
		if (i < 0 && idcol < 0 && upncol < 0 && row < t->count)
			i = (long)row;
		row++;
		if (i < 0 || !*mail)
			continue;
		if (pool_add(t, mail, &t->users[i].mail_off, err) < 0)
			goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	ret = 0;
cleanup:
	mfa_csvr_free(r);
	return ret;
}

int emu_tenant_load_csv(struct emu_tenant *t, const char *path, uint64_t seed, struct mfa_err *err)
{
	struct mfa_source *src = NULL;
	struct mfa_csv_options opts = MFA_CSV_OPTIONS_INIT;
	struct mfa_user mu;
	uint32_t cap = 1024;
	int rc, ret = -1;
	char idbuf[37];

	if (tenant_init(t, cap, err) < 0)
		goto cleanup;
	opts.strict = true;
	if (mfa_csv_source_open(&src, path, &opts, err) < 0)
		goto cleanup;
	while ((rc = mfa_source_next(src, &mu, err)) > 0) {
		struct emu_user *u;
		const char *id = mu.id;
		int state;

		if (t->count == cap) {
			struct emu_user *nu;
			if (cap > UINT32_MAX / 2) {
				mfa_err_set(err, "'%s': too many users", path);
				goto cleanup;
			}
			nu = realloc(t->users, (size_t)cap * 2 * sizeof(*nu));
			if (!nu) {
				mfa_err_set(err, "out of memory loading '%s'", path);
				goto cleanup;
			}
			t->users = nu;
			cap *= 2;
		}
		u = &t->users[t->count];
		memset(u, 0, sizeof(*u));
		if (!id || !*id) {
			/* an export without object ids: make a stable one from the UPN */
			guid_text(rng_at(seed, hash_ci(mu.upn ? mu.upn : ""), t->count),
				  rng_at(seed, 10, hash_ci(mu.upn ? mu.upn : "")), idbuf);
			id = idbuf;
		}
		if (pool_add(t, id, &u->id_off, err) < 0 ||
		    pool_add(t, mu.upn ? mu.upn : "", &u->upn_off, err) < 0 ||
		    pool_add(t, mu.display_name ? mu.display_name : "", &u->name_off, err) < 0 ||
		    pool_add(t, mu.reg.other_methods ? mu.reg.other_methods : "", &u->other_off, err) < 0)
			goto cleanup;
		switch (mu.state) {
		case MFA_STATE_ENABLED: state = EMU_ENABLED; break;
		case MFA_STATE_ENFORCED: state = EMU_ENFORCED; break;
		case MFA_STATE_DISABLED: state = EMU_DISABLED; break;
		default:
			/* a tenant has no unknown state: every user starts disabled */
			state = EMU_DISABLED;
			t->unknown_states++;
		}
		u->methods = mu.reg.methods;
		if (mu.user_type == MFA_USER_TYPE_GUEST ||
		    (mu.user_type == MFA_USER_TYPE_UNKNOWN && mu.upn && strstr(mu.upn, "#EXT#")))
			u->flags |= EMU_F_GUEST;
		if (mu.account_enabled != MFA_TRI_NO)
			u->flags |= EMU_F_ENABLED;
		if (mu.is_admin == MFA_TRI_YES)
			u->flags |= EMU_F_ADMIN;
		if (mu.reg.registered == MFA_TRI_YES ||
		    (mu.reg.registered == MFA_TRI_UNKNOWN && (u->methods & MFA_METHODS_STRONG)))
			u->flags |= EMU_F_REGISTERED;
		if (mu.reg.capable == MFA_TRI_YES ||
		    (mu.reg.capable == MFA_TRI_UNKNOWN && (u->flags & EMU_F_REGISTERED)))
			u->flags |= EMU_F_CAPABLE;
		u->flags |= EMU_F_SSPR_ENABLED;
		u->default_method = (uint8_t)default_intern(t, mu.reg.default_method);
		u->created = 1577836800u; /* 2020-01-01: an export does not say */
		u->updated = 1577836800u;
		u->orig_state = (uint8_t)state;
		atomic_init(&u->state, (uint8_t)state);
		t->count++;
	}
	if (rc < 0)
		goto cleanup;
	default_fix_pointers(t);
	if (tenant_finish(t, true, err) < 0) {
		mfa_err_prefix(err, "'%s'", path);
		goto cleanup;
	}
	if (load_mail(t, path, err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	mfa_source_free(src);
	return ret;
}

static void methods_text(const struct emu_tenant *t, const struct emu_user *u, char *buf, size_t size)
{
	size_t len = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < MFA_METHOD__COUNT; i++) {
		if (u->methods & (1u << i)) {
			int n = snprintf(buf + len, size - len, "%s%s", len ? ";" : "", method_names[i]);
			if (n < 0 || (size_t)n >= size - len)
				return;
			len += (size_t)n;
		}
	}
	if (u->other_off)
		snprintf(buf + len, size - len, "%s%s", len ? ";" : "", t->pool + u->other_off);
}

int emu_tenant_export_csv(const struct emu_tenant *t, FILE *f)
{
	struct mfa_csvw w;
	uint32_t i;
	char methods[1024];

	mfa_csvw_init(&w, f);
	fputs("id,userPrincipalName,displayName,mail,userType,accountEnabled,perUserMfaState,"
	      "isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod,isAdmin\n", f);
	for (i = 0; i < t->count; i++) {
		const struct emu_user *u = &t->users[i];
		methods_text(t, u, methods, sizeof(methods));
		mfa_csvw_field(&w, emu_user_id(t, u));
		mfa_csvw_field(&w, emu_user_upn(t, u));
		mfa_csvw_field(&w, emu_user_name(t, u));
		mfa_csvw_field(&w, u->mail_off ? emu_user_mail(t, u) : "");
		mfa_csvw_field(&w, (u->flags & EMU_F_GUEST) ? "guest" : "member");
		mfa_csvw_field(&w, (u->flags & EMU_F_ENABLED) ? "true" : "false");
		mfa_csvw_field(&w, emu_state_name(atomic_load_explicit(&u->state, memory_order_relaxed)));
		mfa_csvw_field(&w, (u->flags & EMU_F_REGISTERED) ? "true" : "false");
		mfa_csvw_field(&w, (u->flags & EMU_F_CAPABLE) ? "true" : "false");
		mfa_csvw_field(&w, methods);
		mfa_csvw_field(&w, emu_user_default(t, u));
		mfa_csvw_field(&w, (u->flags & EMU_F_ADMIN) ? "true" : "false");
		mfa_csvw_end(&w);
	}
	return ferror(f) ? -1 : 0;
}

void emu_tenant_write_state(const struct emu_tenant *t, FILE *f)
{
	struct mfa_csvw w;
	uint32_t i;

	mfa_csvw_init(&w, f);
	fputs("id,userPrincipalName,perUserMfaState\n", f);
	for (i = 0; i < t->count; i++) {
		const struct emu_user *u = &t->users[i];
		mfa_csvw_field(&w, emu_user_id(t, u));
		mfa_csvw_field(&w, emu_user_upn(t, u));
		mfa_csvw_field(&w, emu_state_name(atomic_load_explicit(&u->state, memory_order_relaxed)));
		mfa_csvw_end(&w);
	}
}

void emu_tenant_reset(struct emu_tenant *t)
{
	uint32_t i;

	for (i = 0; i < t->count; i++) {
		atomic_store_explicit(&t->users[i].state, t->users[i].orig_state, memory_order_relaxed);
		atomic_store_explicit(&t->writes[i], 0, memory_order_relaxed);
	}
}

void emu_tenant_release(struct emu_tenant *t)
{
	free(t->users);
	free(t->pool);
	free(t->id_index);
	free(t->upn_index);
	free((void *)t->writes);
	memset(t, 0, sizeof(*t));
}
