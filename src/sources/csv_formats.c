/* csv_formats.c - the table of CSV export formats (csv_formats.h). */
#include "sources/csv_formats.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mfa/model/columns.h"
#include "mfa/util/csvw.h"

#define REQ MFA_CSV_COL_REQUIRED
#define SPACES MFA_CSV_COL_SPLIT_SPACES

/* Names every Graph-style format uses for the same thing. */
#define UPN_NAMES "userprincipalname|upn"

/* Tried in this order; the first whose required columns are all there
 * wins, so a format whose required columns are a superset of another's
 * comes first. */
static const struct mfa_csv_format formats[] = {
	{
		/* what mfa-migrate itself writes (users.csv, mfa/model/columns.h) */
		.name = "mfa-migrate-users",
		.hint = NULL, /* covered by graph-properties */
		.flags = MFA_CSV_FMT_UNNEUTRALISE,
		.columns = {
			{ MFA_CSV_F_ID, MFA_COL_NAME_ID, REQ, 0 },
			{ MFA_CSV_F_UPN, MFA_COL_NAME_UPN, REQ, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, MFA_COL_NAME_DISPLAY_NAME, 0, 0 },
			{ MFA_CSV_F_MAIL, MFA_COL_NAME_MAIL, 0, 0 },
			{ MFA_CSV_F_USER_TYPE, MFA_COL_NAME_USER_TYPE, 0, 0 },
			{ MFA_CSV_F_ACCOUNT_ENABLED, MFA_COL_NAME_ACCOUNT_ENABLED, 0, 0 },
			{ MFA_CSV_F_STATE, MFA_COL_NAME_STATE, REQ, 0 },
			{ MFA_CSV_F_REGISTERED, MFA_COL_NAME_REGISTERED, REQ, 0 },
			{ MFA_CSV_F_CAPABLE, MFA_COL_NAME_CAPABLE, 0, 0 },
			{ MFA_CSV_F_METHODS, MFA_COL_NAME_METHODS, REQ, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, MFA_COL_NAME_DEFAULT_METHOD, 0, 0 },
			{ MFA_CSV_F_IS_ADMIN, MFA_COL_NAME_ADMIN, 0, 0 },
			{ MFA_CSV_F_STATE_ERROR, MFA_COL_NAME_STATE_ERROR, 0, 0 },
		},
	},
	{
		/* Graph property names, e.g. Get-MgUser -Property
		 * Id,DisplayName,UserPrincipalName,PerUserMFAState */
		.name = "graph-properties",
		.hint = "perUserMfaState (Graph, mfa-migrate)",
		.columns = {
			{ MFA_CSV_F_ID, "id|objectid", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, 0, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_USER_TYPE, "usertype", 0, 0 },
			{ MFA_CSV_F_ACCOUNT_ENABLED, "accountenabled", 0, 0 },
			{ MFA_CSV_F_STATE, "perusermfastate", REQ, 0 },
			{ MFA_CSV_F_REGISTERED, "ismfaregistered", 0, 0 },
			{ MFA_CSV_F_CAPABLE, "ismfacapable", 0, 0 },
			{ MFA_CSV_F_METHODS, "methodsregistered", 0, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "defaultmfamethod", 0, 0 },
			{ MFA_CSV_F_IS_ADMIN, "isadmin", 0, 0 },
			{ MFA_CSV_F_STATE_ERROR, "stateerror", 0, 0 },
		},
	},
	{
		/* ObjectId,UserPrincipalName,DisplayName,MFAState,MFADefaultMethod,... */
		.name = "graph-mfastate-export",
		.hint = "MFAState (Graph script)",
		.columns = {
			{ MFA_CSV_F_ID, "objectid|id", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, 0, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_STATE, "mfastate", REQ, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "mfadefaultmethod", 0, 0 },
			{ MFA_CSV_F_USER_TYPE, "usertype", 0, 0 },
			{ MFA_CSV_F_ACCOUNT_ENABLED, "accountenabled", 0, 0 },
		},
	},
	{
		/* o365reports GetMFAStatus.ps1 (MSOnline), MFA-enabled report */
		.name = "o365reports-getmfastatus",
		.hint = "MFAStatus (o365reports GetMFAStatus)",
		.columns = {
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_UPN, "userprincipalname", REQ, 0 },
			{ MFA_CSV_F_STATE, "mfastatus", REQ, 0 },
			/* Yes: StrongAuthenticationMethods is not empty */
			{ MFA_CSV_F_REGISTERED, "activationstatus", REQ, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "defaultmfamethod", 0, 0 },
			{ MFA_CSV_F_METHODS, "allmfamethods", SPACES, 0 },
			{ MFA_CSV_F_IS_ADMIN, "isadmin", 0, 0 },
			{ MFA_CSV_F_SIGNIN_STATUS, "signinstatus", 0, 0 },
		},
	},
	{
		/* the same script's MFA-disabled report: no registration data */
		.name = "o365reports-getmfastatus-disabled",
		.hint = NULL, /* covered by o365reports-getmfastatus */
		.columns = {
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_UPN, "userprincipalname", REQ, 0 },
			{ MFA_CSV_F_STATE, "mfastatus", REQ, 0 },
			{ MFA_CSV_F_IS_ADMIN, "isadmin", 0, 0 },
			{ MFA_CSV_F_SIGNIN_STATUS, "signinstatus", 0, 0 },
		},
	},
	{
		/* o365reports CheckMFAStatus.ps1 (Graph) */
		.name = "o365reports-checkmfastatus",
		.hint = "Per-user MFA Status + Registered Authentication Methods (CheckMFAStatus)",
		.flags = MFA_CSV_FMT_REG_FROM_METHODS,
		.columns = {
			{ MFA_CSV_F_DISPLAY_NAME, "name|displayname", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, REQ, 0 },
			{ MFA_CSV_F_STATE, "perusermfastatus", REQ, 0 },
			{ MFA_CSV_F_SIGNIN_STATUS, "signinstatus", 0, 0 },
			{ MFA_CSV_F_METHODS, "registeredauthenticationmethods", REQ, 0 },
			/* third-party authenticator apps register as software OATH */
			{ MFA_CSV_F_METHOD_FLAG, "is3rdpartyauthenticatorused", 0, MFA_METHOD_SOFTWARE_OTP },
		},
	},
	{
		/* o365reports IdentifyMFADeploymentSources.ps1 */
		.name = "o365reports-mfadeploymentsources",
		.hint = "Per User MFA Status + MFA Enforced Via",
		.columns = {
			{ MFA_CSV_F_DISPLAY_NAME, "userdisplayname|displayname", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, REQ, 0 },
			{ MFA_CSV_F_REGISTERED, "mfaregistered", 0, 0 },
			{ MFA_CSV_F_METHODS, "methodsregistered", 0, 0 },
			{ MFA_CSV_F_STATE, "perusermfastatus", REQ, 0 },
			{ MFA_CSV_F_NONE, "mfaenforcedvia", REQ, 0 },
		},
	},
	{
		/* LazyAdmin MFAStatus.ps1 (MSOnline). Its method columns are
		 * True/False per StrongAuthenticationMethods type. */
		.name = "lazyadmin-mfastatus",
		.hint = "MFA Enabled + MFAEnforced (LazyAdmin)",
		.columns = {
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_UPN, "userprincipalname", REQ, 0 },
			{ MFA_CSV_F_IS_ADMIN, "isadmin", 0, 0 },
			/* True: StrongAuthenticationMethods is not empty */
			{ MFA_CSV_F_REGISTERED, "mfaenabled", REQ, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "mfadefaulttype", 0, 0 },
			/* OneWaySMS */
			{ MFA_CSV_F_METHOD_FLAG, "smstoken", 0, MFA_METHOD_MOBILE_PHONE },
			/* TwoWayVoiceMobile */
			{ MFA_CSV_F_METHOD_FLAG, "phonecallverification", 0, MFA_METHOD_MOBILE_PHONE },
			/* PhoneAppOTP: a code from an app or a hardware token; MSOnline
			 * cannot tell which, and the app is by far the commoner (both
			 * are strong methods, so the classification is the same). */
			{ MFA_CSV_F_METHOD_FLAG, "hardwaretokenorauthenticatorapp", 0, MFA_METHOD_SOFTWARE_OTP },
			/* PhoneAppNotification */
			{ MFA_CSV_F_METHOD_FLAG, "authenticatorapp", 0, MFA_METHOD_AUTHENTICATOR_PUSH },
			{ MFA_CSV_F_STATE_MSOL_FLAG, "mfaenforced", REQ, 0 },
		},
	},
	{
		/* AzureADAssessment's users.csv */
		.name = "azureadassessment-users",
		.hint = NULL, /* covered by registration-details */
		.flags = MFA_CSV_FMT_NO_STATE,
		.no_state_error = "the export has no per-user MFA state",
		.columns = {
			{ MFA_CSV_F_ID, "id", 0, 0 },
			{ MFA_CSV_F_UPN, "userprincipalname", REQ, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, "displayname", 0, 0 },
			{ MFA_CSV_F_USER_TYPE, "usertype", 0, 0 },
			{ MFA_CSV_F_ACCOUNT_ENABLED, "accountenabled", 0, 0 },
			{ MFA_CSV_F_REGISTERED, "ismfaregistered", REQ, 0 },
			{ MFA_CSV_F_CAPABLE, "ismfacapable", 0, 0 },
			{ MFA_CSV_F_METHODS, "methodsregistered", 0, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "defaultmfamethod", 0, 0 },
			{ MFA_CSV_F_NONE, "onpremisessyncenabled", REQ, 0 },
		},
	},
	{
		/* userRegistrationDetails with Graph's property names */
		.name = "registration-details",
		.hint = "isMfaRegistered (registration details)",
		.flags = MFA_CSV_FMT_NO_STATE,
		.no_state_error = "the export has no per-user MFA state (it is a registration details export)",
		.columns = {
			{ MFA_CSV_F_ID, "id", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, REQ, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, "userdisplayname|displayname", 0, 0 },
			{ MFA_CSV_F_USER_TYPE, "usertype", 0, 0 },
			{ MFA_CSV_F_IS_ADMIN, "isadmin", 0, 0 },
			{ MFA_CSV_F_REGISTERED, "ismfaregistered", REQ, 0 },
			{ MFA_CSV_F_CAPABLE, "ismfacapable", 0, 0 },
			{ MFA_CSV_F_METHODS, "methodsregistered", 0, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD, "defaultmfamethod", 0, 0 },
		},
	},
	{
		/* the Entra admin center's download of the same report */
		.name = "registration-details-portal",
		.hint = "Multifactor authentication registered (Entra admin center)",
		.flags = MFA_CSV_FMT_NO_STATE,
		.no_state_error = "the export has no per-user MFA state (it is a registration details export)",
		.columns = {
			{ MFA_CSV_F_ID, "id|objectid|userid", 0, 0 },
			{ MFA_CSV_F_UPN, UPN_NAMES, REQ, 0 },
			{ MFA_CSV_F_DISPLAY_NAME, "userdisplayname|displayname|name", 0, 0 },
			{ MFA_CSV_F_USER_TYPE, "usertype", 0, 0 },
			{ MFA_CSV_F_IS_ADMIN, "admin|isadmin", 0, 0 },
			{ MFA_CSV_F_REGISTERED, "multifactorauthenticationregistered|mfaregistered", REQ, 0 },
			{ MFA_CSV_F_CAPABLE, "multifactorauthenticationcapable|mfacapable", 0, 0 },
			{ MFA_CSV_F_METHODS, "methodsregistered", 0, 0 },
			{ MFA_CSV_F_DEFAULT_METHOD,
			  "defaultmultifactorauthenticationmethod|defaultmfamethod", 0, 0 },
		},
	},
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct mfa_csv_format *mfa_csv_formats(size_t *count)
{
	*count = NFORMATS;
	return formats;
}

void mfa_csv_header_normalise(const char *name, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0;

	if (size == 0)
		return;
	for (; *p; p++) {
		/* a stray BOM (U+FEFF) in front of the first name */
		if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
			p += 2;
			continue;
		}
		if (*p == ' ' || *p == '-' || *p == '_' || *p == '.' || *p == '\t' || *p == '"')
			continue;
		if (n + 1 >= size)
			break;
		out[n++] = (char)tolower(*p);
	}
	out[n] = '\0';
}

/* True when norm is one of the '|'-separated names. */
static bool name_matches(const char *names, const char *norm)
{
	size_t len = strlen(norm);

	while (*names) {
		const char *bar = strchr(names, '|');
		size_t n = bar ? (size_t)(bar - names) : strlen(names);

		/* case-insensitive: the users.csv names are camelCase */
		if (n == len && strncasecmp(names, norm, n) == 0)
			return true;
		if (!bar)
			break;
		names = bar + 1;
	}
	return false;
}

static bool try_format(const struct mfa_csv_format *f, char (*norm)[64], size_t ncells,
		       struct mfa_csv_layout *out)
{
	size_t i, c;

	memset(out, 0, sizeof(*out));
	out->format = f;
	for (i = 0; i < MFA_CSV_F__COUNT; i++)
		out->field_col[i] = -1;
	for (i = 0; i < MFA_CSV_MAX_COLUMNS; i++) {
		const struct mfa_csv_column *col = &f->columns[i];

		out->col[i] = -1;
		if (!col->names)
			continue;
		for (c = 0; c < ncells; c++) {
			if (name_matches(col->names, norm[c])) {
				out->col[i] = (int)c;
				break;
			}
		}
		if (out->col[i] < 0 && (col->flags & MFA_CSV_COL_REQUIRED))
			return false;
		if (out->col[i] >= 0 && out->field_col[col->field] < 0)
			out->field_col[col->field] = out->col[i];
	}
	return out->field_col[MFA_CSV_F_UPN] >= 0 || out->field_col[MFA_CSV_F_ID] >= 0;
}

int mfa_csv_format_detect(const char *const *cells, size_t ncells, struct mfa_csv_layout *out)
{
	char (*norm)[64] = NULL;
	size_t i;
	int rc = -1;

	if (ncells == 0 || ncells > (size_t)1 << 20)
		return -1;
	norm = malloc(ncells * sizeof(*norm));
	if (!norm)
		return -1;
	for (i = 0; i < ncells; i++)
		mfa_csv_header_normalise(cells[i] ? cells[i] : "", norm[i], sizeof(norm[i]));
	for (i = 0; i < NFORMATS; i++) {
		if (try_format(&formats[i], norm, ncells, out)) {
			rc = 0;
			break;
		}
	}
	free(norm);
	return rc;
}

void mfa_csv_formats_expected(char *buf, size_t size)
{
	size_t used, i;
	bool first = true;

	if (size == 0)
		return;
	used = (size_t)snprintf(buf, size, "expected UserPrincipalName (or id) plus one of: ");
	for (i = 0; i < NFORMATS && used < size; i++) {
		if (!formats[i].hint)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s", first ? "" : "; ",
					 formats[i].hint);
		first = false;
	}
}

bool mfa_csv_layout_has_registration(const struct mfa_csv_layout *l)
{
	return l->field_col[MFA_CSV_F_REGISTERED] >= 0 || l->field_col[MFA_CSV_F_CAPABLE] >= 0 ||
	       l->field_col[MFA_CSV_F_METHODS] >= 0 || l->field_col[MFA_CSV_F_METHOD_FLAG] >= 0;
}

void mfa_csv_scratch_release(struct mfa_csv_scratch *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

/* ---- values ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

/* The value of a cell, or NULL when blank; exports write '-' for blank. */
static const char *value(char *cell)
{
	if (!cell[0] || (cell[0] == '-' && !cell[1]))
		return NULL;
	return cell;
}

/* Like value, for free text: the cell as it is, unless it is only spaces
 * or '-'. */
static const char *text_value(const char *cell)
{
	const char *c = cell;

	while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
		c++;
	if (!*c || (c[0] == '-' && !c[1] && c == cell))
		return NULL;
	return cell;
}

static bool eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

enum mfa_tri mfa_csv_read_signin(const char *v)
{
	if (!v)
		return MFA_TRI_UNKNOWN;
	if (eq(v, "allowed") || eq(v, "enabled") || eq(v, "active"))
		return MFA_TRI_YES;
	if (eq(v, "denied") || eq(v, "blocked") || eq(v, "disabled"))
		return MFA_TRI_NO;
	return mfa_tri_parse(v);
}

static enum mfa_tri read_registered(const char *v)
{
	if (v && eq(v, "registered"))
		return MFA_TRI_YES;
	if (v && (eq(v, "not registered") || eq(v, "notregistered") || eq(v, "unregistered")))
		return MFA_TRI_NO;
	return mfa_tri_parse(v);
}

/* "Password" is how some exports list the password: not an MFA method at
 * all, so neither a bit nor an "other" method; "None" says there is none. */
static bool not_a_method(const char *norm)
{
	if (*norm == '#')
		norm++;
	if (strncmp(norm, "microsoftgraph", 14) == 0)
		norm += 14;
	return strcmp(norm, "password") == 0 || strcmp(norm, "passwordauthenticationmethod") == 0 ||
	       strcmp(norm, "none") == 0;
}

static bool is_list_sep(char c, bool spaces)
{
	return c == ',' || c == ';' || c == '|' || c == '[' || c == ']' || c == '{' || c == '}' ||
	       c == '"' || c == '\'' || c == '\n' || c == '\r' || (spaces && (c == ' ' || c == '\t'));
}

/* Reads a list of method names into u->reg: known names become bits, the
 * rest are kept verbatim, ';'-joined, in s->buf. */
static int read_methods(const char *v, bool spaces, struct mfa_user *u, struct mfa_csv_scratch *s)
{
	size_t len = strlen(v), used = 0;
	const char *p = v;

	if (len + 1 > s->cap) {
		size_t cap = len + 64;
		char *b = realloc(s->buf, cap);

		if (!b)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	while (*p) {
		const char *start, *end;
		char token[96], norm[96];
		size_t n;
		int m;

		while (*p && is_list_sep(*p, spaces))
			p++;
		start = p;
		while (*p && !is_list_sep(*p, spaces))
			p++;
		end = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t)(end - start);
		if (n == 0 || (n == 1 && *start == '-'))
			continue;
		if (n < sizeof(token)) {
			memcpy(token, start, n);
			token[n] = '\0';
			mfa_csv_header_normalise(token, norm, sizeof(norm));
			if (not_a_method(norm))
				continue;
			m = mfa_method_parse(token);
			if (m >= 0) {
				u->reg.methods |= 1u << m;
				continue;
			}
		}
		/* never dropped: kept as the input spelled it */
		if (used)
			s->buf[used++] = ';';
		memcpy(s->buf + used, start, n);
		used += n;
	}
	if (used) {
		s->buf[used] = '\0';
		u->reg.other_methods = s->buf;
	}
	return 0;
}

static const char *read_default_method(const char *v)
{
	int m;

	if (!v || eq(v, "none") || eq(v, "not set") || eq(v, "notset"))
		return NULL;
	m = mfa_method_parse(v);
	return m >= 0 ? mfa_method_name((enum mfa_method)m) : v;
}

static void set_problem(struct mfa_csv_scratch *s, const char *what, const char *v)
{
	snprintf(s->problem, sizeof(s->problem), "%s '%.160s'", what, v);
}

/* A boolean-like value that is there but reads as neither yes nor no:
 * unknown, and the row is counted and named (the first problem wins). */
static enum mfa_tri checked_tri(enum mfa_tri t, const char *v, const struct mfa_csv_column *col,
				struct mfa_csv_scratch *s, bool *unreadable)
{
	if (t == MFA_TRI_UNKNOWN && v) {
		*unreadable = true;
		if (!s->problem[0]) {
			const char *bar = strchr(col->names, '|');
			int n = bar ? (int)(bar - col->names) : (int)strlen(col->names);

			snprintf(s->problem, sizeof(s->problem),
				 "unreadable value '%.120s' in column '%.*s' (read as unknown; expected true or false)",
				 v, n > 60 ? 60 : n, col->names);
		}
	}
	return t;
}

/* The state columns' values. Sets u->state, maybe u->state_error and
 * s->problem; returns true when the value was unreadable. */
static bool read_state(const char *v, bool msol_flag, struct mfa_user *u, struct mfa_csv_scratch *s)
{
	enum mfa_state st;

	if (msol_flag) {
		/* MSOnline StrongAuthenticationRequirements: empty means
		 * per-user disabled; present means enabled or enforced, and
		 * this export does not say which. */
		enum mfa_tri t = mfa_tri_parse(v);

		if (!v || t == MFA_TRI_NO) {
			u->state = MFA_STATE_DISABLED;
			return false;
		}
		if (t == MFA_TRI_YES) {
			u->state = MFA_STATE_AMBIGUOUS;
			return false;
		}
	} else if (!v) {
		u->state = MFA_STATE_UNKNOWN;
		u->state_error = "no per-user MFA state";
		return false;
	}
	st = mfa_state_parse(v);
	if (st != MFA_STATE_UNKNOWN) {
		u->state = st;
		return false;
	}
	u->state = MFA_STATE_UNKNOWN;
	if (eq(v, "unknown")) {
		u->state_error = "the export gives the per-user MFA state as unknown";
		return false;
	}
	snprintf(s->state_error, sizeof(s->state_error), "unreadable per-user MFA state '%.120s'", v);
	u->state_error = s->state_error;
	set_problem(s, "unreadable per-user MFA state", v);
	return true;
}

enum mfa_csv_row_result mfa_csv_row_map(const struct mfa_csv_layout *l, char **cells, size_t ncells,
					struct mfa_user *u, struct mfa_csv_scratch *s)
{
	const struct mfa_csv_format *f = l->format;
	bool unneutralise = (f->flags & MFA_CSV_FMT_UNNEUTRALISE) != 0;
	bool any = false, unreadable = false, state_unreadable = false, have_type = false;
	const char *state_error_col = NULL;
	size_t i;

	mfa_user_init(u);
	s->problem[0] = '\0';
	for (i = 0; i < ncells && !any; i++) {
		const char *c = cells[i];

		while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
			c++;
		any = *c != '\0';
	}
	if (!any)
		return MFA_CSV_ROW_BLANK;

	for (i = 0; i < MFA_CSV_MAX_COLUMNS; i++) {
		const struct mfa_csv_column *col = &f->columns[i];
		const char *v;

		if (!col->names || l->col[i] < 0)
			continue;
		/* A display name keeps the spaces a quoted field gave it (it is
		 * free text); around ids, UPNs and values spaces mean nothing. */
		if ((size_t)l->col[i] >= ncells)
			v = NULL;
		else if (col->field == MFA_CSV_F_DISPLAY_NAME)
			v = text_value(cells[l->col[i]]);
		else
			v = value(cells[l->col[i]] = trim(cells[l->col[i]]));
		if (v && unneutralise)
			v = mfa_csv_unneutralise(v);
		switch (col->field) {
		case MFA_CSV_F_ID:
			if (!u->id)
				u->id = v;
			break;
		case MFA_CSV_F_UPN:
			if (!u->upn)
				u->upn = v;
			break;
		case MFA_CSV_F_DISPLAY_NAME:
			if (!u->display_name)
				u->display_name = v;
			break;
		case MFA_CSV_F_MAIL:
			if (!u->mail)
				u->mail = v;
			break;
		case MFA_CSV_F_USER_TYPE:
			have_type = true;
			if (v && eq(v, "member"))
				u->user_type = MFA_USER_TYPE_MEMBER;
			else if (v && eq(v, "guest"))
				u->user_type = MFA_USER_TYPE_GUEST;
			break;
		case MFA_CSV_F_ACCOUNT_ENABLED:
			u->account_enabled = checked_tri(mfa_tri_parse(v), v, col, s, &unreadable);
			break;
		case MFA_CSV_F_SIGNIN_STATUS:
			u->account_enabled = checked_tri(mfa_csv_read_signin(v), v, col, s, &unreadable);
			break;
		case MFA_CSV_F_STATE:
		case MFA_CSV_F_STATE_MSOL_FLAG:
			if (read_state(v, col->field == MFA_CSV_F_STATE_MSOL_FLAG, u, s))
				unreadable = state_unreadable = true;
			break;
		case MFA_CSV_F_REGISTERED:
			u->reg.registered = checked_tri(read_registered(v), v, col, s, &unreadable);
			break;
		case MFA_CSV_F_CAPABLE:
			u->reg.capable = checked_tri(mfa_tri_parse(v), v, col, s, &unreadable);
			break;
		case MFA_CSV_F_IS_ADMIN:
			u->is_admin = checked_tri(mfa_tri_parse(v), v, col, s, &unreadable);
			break;
		case MFA_CSV_F_METHODS:
			if (v && read_methods(v, (col->flags & MFA_CSV_COL_SPLIT_SPACES) != 0, u, s) < 0)
				return MFA_CSV_ROW_NOMEM;
			break;
		case MFA_CSV_F_METHOD_FLAG:
			if (checked_tri(mfa_tri_parse(v), v, col, s, &unreadable) == MFA_TRI_YES &&
			    col->arg >= 0 && col->arg < MFA_METHOD__COUNT)
				u->reg.methods |= 1u << col->arg;
			break;
		case MFA_CSV_F_DEFAULT_METHOD:
			u->reg.default_method = read_default_method(v);
			break;
		case MFA_CSV_F_STATE_ERROR:
			state_error_col = v;
			break;
		case MFA_CSV_F_NONE:
		case MFA_CSV_F__COUNT:
			break;
		}
	}

	if (!u->id && !u->upn) {
		snprintf(s->problem, sizeof(s->problem), "no user principal name or id");
		return MFA_CSV_ROW_BAD;
	}
	/* A blank UPN where the export has a UPN column is a broken row, not
	 * an id-only user: --exclude lists name people by UPN, and a user
	 * whose UPN went missing must not slip past one. */
	if (!u->upn && l->field_col[MFA_CSV_F_UPN] >= 0) {
		snprintf(s->problem, sizeof(s->problem), "no user principal name");
		return MFA_CSV_ROW_BAD;
	}
	if (u->user_type == MFA_USER_TYPE_UNKNOWN) {
		/* B2B guests carry #EXT# in their UPN whatever the column says;
		 * without a column every other account is a member. */
		if (mfa_upn_is_external(u->upn))
			u->user_type = MFA_USER_TYPE_GUEST;
		else if (!have_type)
			u->user_type = MFA_USER_TYPE_MEMBER;
	}
	if (f->flags & MFA_CSV_FMT_NO_STATE) {
		u->state = MFA_STATE_UNKNOWN;
		u->state_error = f->no_state_error;
	} else if (u->state == MFA_STATE_UNKNOWN && state_error_col && !state_unreadable) {
		u->state_error = state_error_col;
	}
	if ((f->flags & MFA_CSV_FMT_REG_FROM_METHODS) && l->field_col[MFA_CSV_F_METHODS] >= 0 &&
	    l->field_col[MFA_CSV_F_REGISTERED] < 0)
		u->reg.registered = (u->reg.methods & MFA_METHODS_STRONG) ? MFA_TRI_YES : MFA_TRI_NO;
	return unreadable ? MFA_CSV_ROW_WARN : MFA_CSV_ROW_OK;
}
