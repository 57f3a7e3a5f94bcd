/* gen_export.c - writes a realistic N-user export in any input format that
 * mfa-migrate reads, deterministically from a seed, for benchmarks.
 *
 *   gen-export --users N --format F [--seed S] [--out FILE] [--gzip]
 *
 * The tenant mix: about 80% of users per-user MFA disabled, 12% enabled,
 * 8% enforced; 75% registered; 2% admins; 5% guests (B2B UPNs with #EXT#);
 * 3% with sign-in blocked; a few display names with commas and quotes.
 * Every user i is a pure function of (seed, i), so the same arguments
 * always give the same bytes, whatever the format.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

/* ---- output: one buffer, flushed to a FILE or a gzip stream ---------- */

#define OUT_SIZE (1u << 20)

struct out {
	FILE *f;
	gzFile gz;
	char buf[OUT_SIZE];
	size_t len;
	int failed;
};

static void out_flush(struct out *o)
{
	if (o->len == 0 || o->failed)
		goto done;
	if (o->gz) {
		if (gzwrite(o->gz, o->buf, (unsigned)o->len) != (int)o->len)
			o->failed = 1;
	} else if (fwrite(o->buf, 1, o->len, o->f) != o->len) {
		o->failed = 1;
	}
done:
	o->len = 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (n > OUT_SIZE - o->len) {
		out_flush(o);
		if (n > OUT_SIZE) { /* never with our field sizes */
			o->failed = 1;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_ch(struct out *o, char c)
{
	if (o->len == OUT_SIZE)
		out_flush(o);
	o->buf[o->len++] = c;
}

/* A CSV field: quoted (doubling quotes) only when it needs it. */
static void out_field(struct out *o, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		out_str(o, s);
		return;
	}
	out_ch(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			out_ch(o, '"');
		out_ch(o, *s);
	}
	out_ch(o, '"');
}

/* A field always quoted, as PowerShell's Export-Csv writes them. */
static void out_quoted(struct out *o, const char *s)
{
	out_ch(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			out_ch(o, '"');
		out_ch(o, *s);
	}
	out_ch(o, '"');
}

/* ---- the tenant -------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static const char *const first_names[] = {
	"Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
	"Kira", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
	"Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Anders", "Bianca", "Carlos", "Daria",
	"Emeka", "Fatima",
};
static const char *const last_names[] = {
	"Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
	"Jensen", "Kowalski", "Lopez", "Muller", "Nakamura", "Okafor", "Petrov", "Quist",
	"Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
	"Andersson", "Bauer", "Chen", "Dias", "Evans", "Ferreira",
};
static const char *const departments[] = {
	"Sales", "Finance", "Engineering", "Support", "Marketing", "Legal", "Operations", "HR",
};
static const char *const partner_domains[] = {
	"fabrikam.example", "northwind.example", "adatum.example", "tailspin.example",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Registered method sets, with every spelling the formats use. */
struct method_set {
	unsigned weight;     /* out of 100 among registered users */
	const char *graph;   /* ';'-joined Graph names */
	const char *graph_default;
	const char *msol;    /* ','-joined MSOnline StrongAuthenticationMethods */
	const char *msol_default;
	const char *script;  /* how Graph PowerShell scripts list them */
	const char *portal;  /* Entra admin center display names */
	const char *portal_default;
	int sms, authenticator, otp;
};

static const struct method_set registered_sets[] = {
	{ 40, "microsoftAuthenticatorPush;mobilePhone", "microsoftAuthenticatorPush",
	  "PhoneAppNotification,OneWaySMS", "PhoneAppNotification",
	  "MicrosoftAuthenticator,Phone", "Microsoft Authenticator push, Mobile phone",
	  "Microsoft Authenticator push", 1, 1, 0 },
	{ 15, "mobilePhone", "sms", "OneWaySMS,TwoWayVoiceMobile", "OneWaySMS", "Phone",
	  "Mobile phone", "Text message", 1, 0, 0 },
	{ 15, "microsoftAuthenticatorPush", "microsoftAuthenticatorPush", "PhoneAppNotification",
	  "PhoneAppNotification", "MicrosoftAuthenticator", "Microsoft Authenticator push",
	  "Microsoft Authenticator push", 0, 1, 0 },
	{ 10, "microsoftAuthenticatorPush;softwareOneTimePasscode;mobilePhone",
	  "microsoftAuthenticatorPush", "PhoneAppNotification,PhoneAppOTP,OneWaySMS",
	  "PhoneAppNotification", "MicrosoftAuthenticator,SoftwareOath,Phone",
	  "Microsoft Authenticator push, Software OATH token, Mobile phone",
	  "Microsoft Authenticator push", 1, 1, 1 },
	{ 8, "windowsHelloForBusiness;microsoftAuthenticatorPush", "microsoftAuthenticatorPush",
	  "PhoneAppNotification", "PhoneAppNotification", "WindowsHelloForBusiness,MicrosoftAuthenticator",
	  "Windows Hello for Business, Microsoft Authenticator push",
	  "Microsoft Authenticator push", 0, 1, 0 },
	{ 5, "fido2SecurityKey;microsoftAuthenticatorPush", "microsoftAuthenticatorPush",
	  "PhoneAppNotification", "PhoneAppNotification", "Fido2,MicrosoftAuthenticator",
	  "FIDO2 security key, Microsoft Authenticator push",
	  "Microsoft Authenticator push", 0, 1, 0 },
	{ 4, "mobilePhone;email", "sms", "OneWaySMS", "OneWaySMS", "Phone,Email",
	  "Mobile phone, Email", "Text message", 1, 0, 0 },
	{ 3, "microsoftAuthenticatorPasswordless;microsoftAuthenticatorPush;mobilePhone",
	  "microsoftAuthenticatorPush", "PhoneAppNotification,OneWaySMS", "PhoneAppNotification",
	  "PasswordlessMicrosoftAuthenticator,MicrosoftAuthenticator,Phone",
	  "Microsoft Authenticator passwordless, Microsoft Authenticator push, Mobile phone",
	  "Microsoft Authenticator push", 1, 1, 0 },
};

/* Not registered for MFA: nothing, or only an email (not a second factor). */
static const struct method_set email_only = {
	0, "email", "", "", "", "Email", "Email", "", 0, 0, 0,
};

enum state { ST_DISABLED, ST_ENABLED, ST_ENFORCED };

struct user {
	char id[37];
	char upn[160];
	char display[96];
	char mail[160];
	char phone[24];
	char created[24];
	char updated[24];
	enum state state;
	int registered;
	int admin;
	int guest;
	int blocked;
	int licensed;
	const struct method_set *methods; /* NULL: none at all */
	const char *department;
};

static void make_guid(uint64_t a, uint64_t b, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[16];
	int i, j = 0;

	for (i = 0; i < 8; i++) {
		bytes[i] = (unsigned char)(a >> (i * 8));
		bytes[8 + i] = (unsigned char)(b >> (i * 8));
	}
	bytes[6] = (unsigned char)((bytes[6] & 0x0F) | 0x40); /* version 4 */
	bytes[8] = (unsigned char)((bytes[8] & 0x3F) | 0x80); /* variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[bytes[i] >> 4];
		out[j++] = hex[bytes[i] & 15];
	}
	out[j] = '\0';
}

static void lower_into(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32) : src[i];
	dst[i] = '\0';
}

static void make_user(uint64_t seed, unsigned long i, struct user *u)
{
	uint64_t r0 = splitmix64(seed ^ (0x51ED2701ull * (i + 1)));
	uint64_t r1 = splitmix64(r0);
	uint64_t r2 = splitmix64(r1);
	uint64_t r3 = splitmix64(r2);
	const char *first = first_names[r2 % COUNT_OF(first_names)];
	const char *last = last_names[(r2 >> 8) % COUNT_OF(last_names)];
	unsigned pct_state = (unsigned)((r2 >> 16) % 1000);
	unsigned pct = (unsigned)((r2 >> 32) % 1000);
	char lf[40], ll[40];

	make_guid(r0, r1, u->id);
	lower_into(lf, sizeof(lf), first);
	lower_into(ll, sizeof(ll), last);

	u->state = pct_state < 800 ? ST_DISABLED : pct_state < 920 ? ST_ENABLED : ST_ENFORCED;
	u->registered = (r3 % 100) < 75;
	u->admin = ((r3 >> 8) % 1000) < 20;
	u->guest = ((r3 >> 20) % 1000) < 50;
	u->blocked = ((r3 >> 32) % 1000) < 30;
	u->licensed = !u->guest && ((r3 >> 44) % 100) < 95;
	u->department = departments[(r3 >> 52) % COUNT_OF(departments)];
	if (u->guest)
		u->admin = 0;

	if (u->guest) {
		const char *partner = partner_domains[(r3 >> 4) % COUNT_OF(partner_domains)];

		snprintf(u->upn, sizeof(u->upn), "%s.%s%lu_%s#EXT#@contoso.onmicrosoft.com", lf,
			 ll, i, partner);
		snprintf(u->mail, sizeof(u->mail), "%s.%s%lu@%s", lf, ll, i, partner);
	} else {
		snprintf(u->upn, sizeof(u->upn), "%s.%s%lu@contoso.onmicrosoft.com", lf, ll, i);
		snprintf(u->mail, sizeof(u->mail), "%s.%s%lu@contoso.example", lf, ll, i);
	}
	/* Now and then a name a CSV writer must quote. */
	if (pct < 3)
		snprintf(u->display, sizeof(u->display), "%s, %s", last, first);
	else if (pct < 5)
		snprintf(u->display, sizeof(u->display), "%s \"%s\" %s", first, lf, last);
	else if (u->guest)
		snprintf(u->display, sizeof(u->display), "%s %s (Guest)", first, last);
	else
		snprintf(u->display, sizeof(u->display), "%s %s", first, last);

	if (u->registered) {
		unsigned w = (unsigned)((r1 >> 40) % 100), acc = 0;
		size_t k;

		u->methods = &registered_sets[0];
		for (k = 0; k < COUNT_OF(registered_sets); k++) {
			acc += registered_sets[k].weight;
			if (w < acc) {
				u->methods = &registered_sets[k];
				break;
			}
		}
	} else {
		u->methods = ((r1 >> 40) % 5) == 0 ? &email_only : NULL;
	}
	snprintf(u->phone, sizeof(u->phone), "+1 425-555-%04u", (unsigned)((r0 >> 20) % 10000));
	snprintf(u->created, sizeof(u->created), "20%02u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)(15 + (r1 % 10)), (unsigned)(1 + (r1 >> 8) % 12),
		 (unsigned)(1 + (r1 >> 16) % 28), (unsigned)((r1 >> 24) % 24),
		 (unsigned)((r1 >> 32) % 60), (unsigned)((r3 >> 12) % 60));
	snprintf(u->updated, sizeof(u->updated), "2024-%02u-%02uT%02u:%02u:00Z",
		 (unsigned)(1 + (r0 >> 8) % 12), (unsigned)(1 + (r0 >> 16) % 28),
		 (unsigned)((r0 >> 24) % 24), (unsigned)((r0 >> 32) % 60));
}

static const char *state_title(enum state s)
{
	return s == ST_DISABLED ? "Disabled" : s == ST_ENABLED ? "Enabled" : "Enforced";
}

static const char *state_graph(enum state s)
{
	return s == ST_DISABLED ? "disabled" : s == ST_ENABLED ? "enabled" : "enforced";
}

static const char *tf(int b)
{
	return b ? "True" : "False";
}

static const char *graph_methods(const struct user *u)
{
	return u->methods ? u->methods->graph : "";
}

static const char *graph_default(const struct user *u)
{
	return u->registered ? u->methods->graph_default : "none";
}

/* ---- formats ------------------------------------------------------------ */

typedef void (*row_fn)(struct out *o, const struct user *u);

static void row_getmfastatus(struct out *o, const struct user *u)
{
	const struct method_set *m = u->methods;

	out_quoted(o, u->display);
	out_ch(o, ',');
	out_quoted(o, u->upn);
	out_ch(o, ',');
	out_quoted(o, state_title(u->state));
	out_ch(o, ',');
	out_quoted(o, u->registered ? "Yes" : "No");
	out_ch(o, ',');
	out_quoted(o, m && *m->msol_default ? m->msol_default : "-");
	out_ch(o, ',');
	out_quoted(o, m && *m->msol ? m->msol : "-");
	out_ch(o, ',');
	out_quoted(o, m && m->sms ? u->phone : "-");
	out_ch(o, ',');
	out_quoted(o, m == &email_only ? u->mail : "-");
	out_ch(o, ',');
	out_quoted(o, u->licensed ? "Licensed" : "Unlicensed");
	out_ch(o, ',');
	out_quoted(o, tf(u->admin));
	out_ch(o, ',');
	out_quoted(o, u->admin ? "Global Administrator" : "-");
	out_ch(o, ',');
	out_quoted(o, u->blocked ? "Denied" : "Allowed");
	out_ch(o, '\n');
}

static void row_checkmfastatus(struct out *o, const struct user *u)
{
	const struct method_set *m = u->methods;

	out_field(o, u->display);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_str(o, state_title(u->state));
	out_ch(o, ',');
	out_str(o, u->department);
	out_ch(o, ',');
	out_str(o, u->licensed ? "Licensed" : "Unlicensed");
	out_ch(o, ',');
	out_str(o, u->blocked ? "Denied" : "Allowed");
	out_ch(o, ',');
	out_field(o, m ? m->script : "Password");
	out_ch(o, ',');
	out_str(o, m && m->sms ? u->phone : "-");
	out_ch(o, ',');
	out_str(o, m && m->authenticator ? "iPhone 15" : "-");
	out_ch(o, ',');
	out_str(o, tf(m && m->otp));
	out_ch(o, ',');
	out_str(o, u->guest ? "External user" : "-");
	out_ch(o, '\n');
}

static void row_mfadeploymentsources(struct out *o, const struct user *u)
{
	int per_user = u->state != ST_DISABLED;

	out_field(o, u->display);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, graph_methods(u));
	out_ch(o, ',');
	out_str(o, per_user ? "Per-user MFA" : u->licensed ? "Conditional Access" : "Not enforced");
	out_ch(o, ',');
	out_str(o, state_title(u->state));
	out_ch(o, ',');
	out_str(o, "Disabled");
	out_ch(o, ',');
	out_str(o, u->licensed ? "Enforced" : "Not enforced");
	out_ch(o, ',');
	out_str(o, u->licensed ? "Require MFA for all users" : "");
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, '\n');
}

static void row_lazyadmin(struct out *o, const struct user *u)
{
	const struct method_set *m = u->methods;

	out_field(o, u->display);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_str(o, tf(u->admin));
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, m ? m->msol_default : "");
	out_ch(o, ',');
	out_str(o, tf(m && m->sms));
	out_ch(o, ',');
	out_str(o, "False");
	out_ch(o, ',');
	out_str(o, tf(m && m->otp));
	out_ch(o, ',');
	out_str(o, tf(m && m->authenticator));
	out_ch(o, ',');
	out_str(o, tf(u->state != ST_DISABLED));
	out_ch(o, '\n');
}

static void row_azureadassessment(struct out *o, const struct user *u)
{
	out_str(o, u->id);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_str(o, u->guest ? "Guest" : "Member");
	out_ch(o, ',');
	out_str(o, tf(!u->blocked));
	out_ch(o, ',');
	out_str(o, u->guest ? "" : "True");
	out_ch(o, ',');
	out_str(o, u->guest ? "" : "bXVzdGJlYmFzZTY0");
	out_ch(o, ',');
	out_str(o, u->mail);
	out_ch(o, ',');
	out_ch(o, ',');
	out_str(o, u->licensed ? "AADPremiumP1" : "");
	out_ch(o, ',');
	out_str(o, u->updated);
	out_ch(o, ',');
	out_str(o, u->updated);
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, graph_methods(u));
	out_ch(o, ',');
	out_str(o, graph_default(u));
	out_ch(o, '\n');
}

static void row_graph_properties(struct out *o, const struct user *u)
{
	out_str(o, u->id);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_str(o, state_graph(u->state));
	out_ch(o, '\n');
}

static void row_graph_mfastate_export(struct out *o, const struct user *u)
{
	out_str(o, u->id);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_str(o, state_title(u->state));
	out_ch(o, ',');
	out_str(o, u->registered ? u->methods->graph_default : "");
	out_ch(o, ',');
	out_str(o, u->mail);
	out_ch(o, ',');
	if (!u->guest) {
		out_str(o, "smtp:");
		out_str(o, u->mail);
	}
	out_ch(o, ',');
	out_str(o, u->guest ? "Guest" : "Member");
	out_ch(o, ',');
	out_str(o, tf(!u->blocked));
	out_ch(o, ',');
	out_str(o, u->created);
	out_ch(o, '\n');
}

static void row_registration_details(struct out *o, const struct user *u)
{
	out_str(o, u->id);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_str(o, u->guest ? "guest" : "member");
	out_ch(o, ',');
	out_str(o, tf(u->admin));
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, tf(u->registered));
	out_ch(o, ',');
	out_str(o, tf(u->methods && strstr(u->methods->graph, "fido2")));
	out_ch(o, ',');
	out_str(o, tf(u->methods != NULL));
	out_ch(o, ',');
	out_str(o, "True");
	out_ch(o, ',');
	out_str(o, tf(u->methods != NULL));
	out_ch(o, ',');
	out_str(o, graph_methods(u));
	out_ch(o, ',');
	out_str(o, graph_default(u));
	out_ch(o, ',');
	out_str(o, u->updated);
	out_ch(o, '\n');
}

static void row_registration_details_portal(struct out *o, const struct user *u)
{
	out_field(o, u->upn);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_str(o, u->guest ? "Guest" : "Member");
	out_ch(o, ',');
	out_str(o, u->admin ? "Yes" : "No");
	out_ch(o, ',');
	out_str(o, u->registered ? "Yes" : "No");
	out_ch(o, ',');
	out_str(o, u->registered ? "Registered" : "Not Registered");
	out_ch(o, ',');
	out_field(o, u->methods ? u->methods->portal : "");
	out_ch(o, ',');
	out_field(o, u->registered ? u->methods->portal_default : "None");
	out_ch(o, '\n');
}

static void row_mfa_migrate_users(struct out *o, const struct user *u)
{
	out_str(o, u->id);
	out_ch(o, ',');
	out_field(o, u->upn);
	out_ch(o, ',');
	out_field(o, u->display);
	out_ch(o, ',');
	out_str(o, u->guest ? "guest" : "member");
	out_ch(o, ',');
	out_str(o, u->blocked ? "false" : "true");
	out_ch(o, ',');
	out_str(o, state_graph(u->state));
	out_ch(o, ',');
	out_str(o, u->registered ? "true" : "false");
	out_ch(o, ',');
	out_str(o, u->registered ? "true" : "false");
	out_ch(o, ',');
	out_str(o, graph_methods(u));
	out_ch(o, ',');
	out_str(o, u->registered ? u->methods->graph_default : "");
	out_ch(o, ',');
	out_str(o, u->admin ? "true" : "false");
	out_ch(o, '\n');
}

struct format {
	const char *name;
	const char *header;
	row_fn row;
};

static const struct format formats[] = {
	{ "getmfastatus",
	  "\"DisplayName\",\"UserPrincipalName\",\"MFAStatus\",\"ActivationStatus\","
	  "\"DefaultMFAMethod\",\"AllMFAMethods\",\"MFAPhone\",\"MFAEmail\",\"LicenseStatus\","
	  "\"IsAdmin\",\"AdminRoles\",\"SignInStatus\"",
	  row_getmfastatus },
	{ "checkmfastatus",
	  "Name,UPN,Per-user MFA Status,Department,License Status,SignIn Status,"
	  "Registered Authentication Methods,MFA Phone,Microsoft Authenticator Configured Device,"
	  "Is 3rd-Party Authenticator Used,Additional Details",
	  row_checkmfastatus },
	{ "mfadeploymentsources",
	  "User Display Name,User Principal Name,MFA Registered,Methods Registered,"
	  "MFA Enforced Via,Per User MFA Status,Security Default Status,CA MFA Status,"
	  "Assigned CA Policy,Is Registered MFA Supported in CA",
	  row_mfadeploymentsources },
	{ "lazyadmin",
	  "DisplayName,UserPrincipalName,isAdmin,MFA Enabled,MFA Default Type,SMS token,"
	  "Phone call verification,Hardware token or authenticator app,Authenticator app,"
	  "MFAEnforced",
	  row_lazyadmin },
	{ "azureadassessment",
	  "id,userPrincipalName,displayName,userType,accountEnabled,onPremisesSyncEnabled,"
	  "onPremisesImmutableId,mail,otherMails,AADLicense,lastInteractiveSignInDateTime,"
	  "lastNonInteractiveSignInDateTime,isMfaRegistered,isMfaCapable,methodsRegistered,"
	  "defaultMfaMethod",
	  row_azureadassessment },
	{ "graph-properties", "Id,DisplayName,UserPrincipalName,PerUserMFAState",
	  row_graph_properties },
	{ "graph-mfastate-export",
	  "ObjectId,UserPrincipalName,DisplayName,MFAState,MFADefaultMethod,PrimarySMTP,Aliases,"
	  "UserType,AccountEnabled,CreatedDateTime",
	  row_graph_mfastate_export },
	{ "registration-details",
	  "id,userPrincipalName,userDisplayName,userType,isAdmin,isMfaRegistered,isMfaCapable,"
	  "isPasswordlessCapable,isSsprRegistered,isSsprEnabled,isSsprCapable,methodsRegistered,"
	  "defaultMfaMethod,lastUpdatedDateTime",
	  row_registration_details },
	{ "registration-details-portal",
	  "User principal name,User display name,User type,Admin,"
	  "Multifactor authentication capable,Multifactor authentication registered,"
	  "Methods registered,Default multifactor authentication method",
	  row_registration_details_portal },
	{ "mfa-migrate-users",
	  "id,userPrincipalName,displayName,userType,accountEnabled,perUserMfaState,"
	  "isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod,isAdmin",
	  row_mfa_migrate_users },
};

/* ---- main ------------------------------------------------------------- */

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: gen-export --users N --format F [--seed S] [--out FILE] [--gzip]\n"
		   "formats:");
	for (i = 0; i < COUNT_OF(formats); i++)
		fprintf(f, " %s", formats[i].name);
	fputc('\n', f);
}

static int parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct out o; /* 1 MiB buffer: not on the stack */
	const struct format *fmt = NULL;
	unsigned long long users = 0, seed = 1;
	const char *out_path = NULL;
	int have_users = 0, gzip = 0, rc = 1;
	struct user u;
	unsigned long i;
	int a;
	size_t k;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a];
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(arg, "--users")) {
			if (parse_ulong(val, &users) < 0)
				goto bad;
			have_users = 1;
			a++;
		} else if (!strcmp(arg, "--seed")) {
			if (parse_ulong(val, &seed) < 0)
				goto bad;
			a++;
		} else if (!strcmp(arg, "--format")) {
			if (!val)
				goto bad;
			for (k = 0; k < COUNT_OF(formats); k++)
				if (!strcmp(val, formats[k].name))
					fmt = &formats[k];
			if (!fmt) {
				fprintf(stderr, "gen-export: unknown format '%s'\n", val);
				goto bad;
			}
			a++;
		} else if (!strcmp(arg, "--out")) {
			if (!val)
				goto bad;
			out_path = val;
			a++;
		} else if (!strcmp(arg, "--gzip")) {
			gzip = 1;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			return 0;
		} else {
			goto bad;
		}
	}
	if (!have_users || !fmt)
		goto bad;

	o.f = out_path ? fopen(out_path, "wb") : stdout;
	if (!o.f) {
		fprintf(stderr, "gen-export: cannot open '%s': %s\n", out_path, strerror(errno));
		return 1;
	}
	if (gzip) {
		o.gz = gzdopen(dup(fileno(o.f)), "wb1");
		if (!o.gz) {
			fprintf(stderr, "gen-export: cannot start gzip output\n");
			goto cleanup;
		}
	}
	out_str(&o, fmt->header);
	out_ch(&o, '\n');
	for (i = 0; i < users; i++) {
		make_user(seed, i, &u);
		fmt->row(&o, &u);
	}
	out_flush(&o);
	if (o.gz && gzclose(o.gz) != Z_OK)
		o.failed = 1;
	o.gz = NULL;
	if (o.failed || fflush(o.f) != 0) {
		fprintf(stderr, "gen-export: cannot write '%s': %s\n", out_path ? out_path : "stdout",
			strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (o.gz)
		gzclose(o.gz);
	if (o.f && o.f != stdout && fclose(o.f) != 0 && rc == 0) {
		fprintf(stderr, "gen-export: cannot write '%s': %s\n", out_path, strerror(errno));
		rc = 1;
	}
	return rc;
bad:
	usage(stderr);
	return 2;
}
