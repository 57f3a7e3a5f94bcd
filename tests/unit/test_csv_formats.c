/* test_csv_formats.c - format detection and value mapping (sources/csv_formats.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/columns.h"
#include "mfa/util/err.h"
#include "sources/csv_formats.h"

#define H_GETMFA "DisplayName,UserPrincipalName,MFAStatus,ActivationStatus,DefaultMFAMethod,AllMFAMethods,MFAPhone,MFAEmail,LicenseStatus,IsAdmin,AdminRoles,SignInStatus"
#define H_GETMFA_DISABLED "DisplayName,UserPrincipalName,Department,MFAStatus,LicenseStatus,IsAdmin,AdminRoles,SignInStatus"
#define H_CHECKMFA "Name,UPN,Per-user MFA Status,Department,License Status,SignIn Status,Registered Authentication Methods,MFA Phone,Microsoft Authenticator Configured Device,Is 3rd-Party Authenticator Used,Additional Details"
#define H_DEPLOY "User Display Name,User Principal Name,MFA Registered,Methods Registered,MFA Enforced Via,Per User MFA Status,Security Default Status,CA MFA Status,Assigned CA Policy,Is Registered MFA Supported in CA"
#define H_LAZY "DisplayName,UserPrincipalName,isAdmin,MFA Enabled,MFA Default Type,SMS token,Phone call verification,Hardware token or authenticator app,Authenticator app,MFAEnforced"
#define H_ASSESS "id,userPrincipalName,displayName,userType,accountEnabled,onPremisesSyncEnabled,onPremisesImmutableId,mail,otherMails,AADLicense,lastInteractiveSignInDateTime,lastNonInteractiveSignInDateTime,isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod"
#define H_GRAPHPROPS "Id,DisplayName,UserPrincipalName,PerUserMFAState"
#define H_MFASTATE "ObjectId,UserPrincipalName,DisplayName,MFAState,MFADefaultMethod,PrimarySMTP,Aliases,UserType,AccountEnabled,CreatedDateTime"
#define H_REG "id,userPrincipalName,userDisplayName,userType,isAdmin,isMfaRegistered,isMfaCapable,isPasswordlessCapable,isSsprRegistered,isSsprEnabled,isSsprCapable,methodsRegistered,defaultMfaMethod,userPreferredMethodForSecondaryAuthentication,lastUpdatedDateTime"
#define H_PORTAL "User principal name,Display name,User type,Admin,Self-service password reset registered,Self-service password reset enabled,Self-service password reset capable,Multifactor authentication registered,Multifactor authentication capable,Passwordless capable,Methods registered,Default multifactor authentication method,Last updated time"
#define H_OWN "id,userPrincipalName,displayName,userType,accountEnabled,perUserMfaState,isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod,isAdmin"
#define H_OWN_FULL H_OWN ",class,action,holdReason,risk,findings,stateError"

/* Splits a copy of line at sep into cells (the copy is returned: free it). */
static char *split(const char *line, char sep, char **cells, size_t max, size_t *n)
{
	char *copy = strdup(line);
	char *p = copy;

	assert_non_null(copy);
	*n = 0;
	for (;;) {
		char *end = strchr(p, sep);

		assert_true(*n < max);
		cells[(*n)++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	return copy;
}

static int detect(const char *header, struct mfa_csv_layout *l)
{
	char *cells[64];
	size_t n;
	char *copy = split(header, ',', cells, 64, &n);
	int rc = mfa_csv_format_detect((const char *const *)cells, n, l);

	free(copy);
	return rc;
}

static const struct {
	const char *header;
	const char *format; /* NULL: must not be recognised */
} detect_cases[] = {
	{ H_GETMFA, "o365reports-getmfastatus" },
	{ H_GETMFA_DISABLED, "o365reports-getmfastatus-disabled" },
	{ H_CHECKMFA, "o365reports-checkmfastatus" },
	{ H_DEPLOY, "o365reports-mfadeploymentsources" },
	{ H_LAZY, "lazyadmin-mfastatus" },
	{ H_ASSESS, "azureadassessment-users" },
	{ H_GRAPHPROPS, "graph-properties" },
	{ H_MFASTATE, "graph-mfastate-export" },
	{ H_REG, "registration-details" },
	{ H_PORTAL, "registration-details-portal" },
	{ H_OWN, "mfa-migrate-users" },
	{ H_OWN_FULL, "mfa-migrate-users" },
	/* spelling does not matter: case, spaces, '-', '_' */
	{ "USERPRINCIPALNAME,MFASTATUS,ACTIVATIONSTATUS", "o365reports-getmfastatus" },
	{ "user_principal_name,mfa-status", "o365reports-getmfastatus-disabled" },
	{ "upn,per user mfa status,registered authentication methods", "o365reports-checkmfastatus" },
	{ "\xEF\xBB\xBFId,UserPrincipalName,PerUserMFAState", "graph-properties" },
	{ "userPrincipalName,perUserMfaState", "graph-properties" },
	{ "id,perUserMfaState", "graph-properties" },
	{ "ObjectId,MFAState", "graph-mfastate-export" },
	{ "User principal name,MFA registered,MFA capable,Methods registered", "registration-details-portal" },
	{ "userPrincipalName,isMfaRegistered", "registration-details" },
	/* extra columns are ignored, order does not matter */
	{ "Foo,MFAEnforced,Bar,MFA Enabled,UserPrincipalName", "lazyadmin-mfastatus" },
	/* near misses */
	{ "Name,Email,Status", NULL },
	{ "DisplayName,MFAStatus,ActivationStatus,DefaultMFAMethod", NULL },    /* no UPN */
	{ "DisplayName,UserPrincipalName,Department,LicenseStatus", NULL },     /* no state */
	{ "Id,DisplayName,UserPrincipalName,PerUserMFA", NULL },
	{ "Name,UPN,Per-user MFA Status,Department", NULL },                   /* CheckMFAStatus without methods */
	{ "DisplayName,UserPrincipalName,isAdmin,MFA Enabled,MFA Default Type", NULL }, /* LazyAdmin without MFAEnforced */
	{ "userPrincipalName,isMfaCapable,methodsRegistered", NULL },
	{ "perUserMfaState,displayName", NULL },                               /* neither UPN nor id */
	{ "UserPrincipalNames,MFAStatus", NULL },
	{ "", NULL },
};

static void test_detect_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
		struct mfa_csv_layout l;
		int rc = detect(detect_cases[i].header, &l);

		if (!detect_cases[i].format) {
			if (rc == 0)
				fail_msg("header \"%s\" was taken as %s", detect_cases[i].header, l.format->name);
			continue;
		}
		if (rc != 0)
			fail_msg("header \"%s\" not recognised", detect_cases[i].header);
		if (strcmp(l.format->name, detect_cases[i].format) != 0)
			fail_msg("header \"%s\": %s, want %s", detect_cases[i].header, l.format->name,
				 detect_cases[i].format);
	}
}

/* The header the CSV sink writes (mfa/model/columns.h, the one schema) is
 * read back as mfa-migrate's own format, every column of it found. */
static void test_own_schema(void **state)
{
	struct mfa_csv_layout l;
	size_t i;

	(void)state;
	assert_int_equal(mfa_csv_format_detect(mfa_user_column_names, MFA_COL__COUNT, &l), 0);
	assert_string_equal(l.format->name, "mfa-migrate-users");
	for (i = 0; i < MFA_CSV_MAX_COLUMNS && l.format->columns[i].names; i++)
		if (l.col[i] < 0)
			fail_msg("column '%s' not found", l.format->columns[i].names);
	assert_int_equal(l.field_col[MFA_CSV_F_STATE], MFA_COL_STATE);
	assert_int_equal(l.field_col[MFA_CSV_F_STATE_ERROR], MFA_COL_STATE_ERROR);
}

/* Every format in the table has a detection case of its own. */
static void test_every_format_is_tested(void **state)
{
	size_t count, f, i;
	const struct mfa_csv_format *formats = mfa_csv_formats(&count);

	(void)state;
	assert_true(count >= 11);
	for (f = 0; f < count; f++) {
		bool found = false;

		for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++)
			found = found || (detect_cases[i].format && strcmp(detect_cases[i].format, formats[f].name) == 0);
		if (!found)
			fail_msg("format %s has no detection case", formats[f].name);
	}
}

static void test_layout_columns(void **state)
{
	struct mfa_csv_layout l;

	(void)state;
	assert_int_equal(detect("Extra,UserPrincipalName,MFAStatus,ActivationStatus,AllMFAMethods", &l), 0);
	assert_int_equal(l.field_col[MFA_CSV_F_UPN], 1);
	assert_int_equal(l.field_col[MFA_CSV_F_STATE], 2);
	assert_int_equal(l.field_col[MFA_CSV_F_REGISTERED], 3);
	assert_int_equal(l.field_col[MFA_CSV_F_METHODS], 4);
	assert_int_equal(l.field_col[MFA_CSV_F_IS_ADMIN], -1);
	assert_true(mfa_csv_layout_has_registration(&l));
	assert_int_equal(detect(H_GRAPHPROPS, &l), 0);
	assert_false(mfa_csv_layout_has_registration(&l));
	assert_int_equal(detect(H_LAZY, &l), 0);
	assert_true(mfa_csv_layout_has_registration(&l));
}

static void test_expected_message(void **state)
{
	char buf[MFA_ERR_MAX];
	static const char *const must[] = {
		"UserPrincipalName", "MFAStatus", "Per-user MFA Status", "Registered Authentication Methods",
		"MFA Enforced Via", "MFAEnforced", "perUserMfaState", "MFAState", "isMfaRegistered",
		"Multifactor authentication registered",
	};
	size_t i;

	(void)state;
	mfa_csv_formats_expected(buf, sizeof(buf));
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		if (!strstr(buf, must[i]))
			fail_msg("'%s' missing from: %s", must[i], buf);
	}
	/* room left in an error for the file name and the sentence */
	assert_true(strlen(buf) < MFA_ERR_MAX - 100);
	mfa_csv_formats_expected(buf, 20);
	assert_int_equal(strlen(buf), 19);
}

static void test_normalise(void **state)
{
	char out[64];

	(void)state;
	mfa_csv_header_normalise("Per-user MFA Status", out, sizeof(out));
	assert_string_equal(out, "perusermfastatus");
	mfa_csv_header_normalise(" peruser_mfa status ", out, sizeof(out));
	assert_string_equal(out, "perusermfastatus");
	mfa_csv_header_normalise("\xEF\xBB\xBF\"Id\"", out, sizeof(out));
	assert_string_equal(out, "id");
	mfa_csv_header_normalise("abcdefghij", out, 5);
	assert_string_equal(out, "abcd");
}

static void test_bool_readers(void **state)
{
	static const struct {
		const char *v;
		enum mfa_tri b, signin;
	} cases[] = {
		{ "True", MFA_TRI_YES, MFA_TRI_YES },   { "FALSE", MFA_TRI_NO, MFA_TRI_NO },
		{ "yes", MFA_TRI_YES, MFA_TRI_YES },    { "No", MFA_TRI_NO, MFA_TRI_NO },
		{ "1", MFA_TRI_YES, MFA_TRI_YES },      { "0", MFA_TRI_NO, MFA_TRI_NO },
		{ "Allowed", MFA_TRI_UNKNOWN, MFA_TRI_YES }, { "Denied", MFA_TRI_UNKNOWN, MFA_TRI_NO },
		{ "Blocked", MFA_TRI_UNKNOWN, MFA_TRI_NO }, { "Enabled", MFA_TRI_UNKNOWN, MFA_TRI_YES },
		{ "Disabled", MFA_TRI_UNKNOWN, MFA_TRI_NO }, { "maybe", MFA_TRI_UNKNOWN, MFA_TRI_UNKNOWN },
		{ "", MFA_TRI_UNKNOWN, MFA_TRI_UNKNOWN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (mfa_tri_parse(cases[i].v) != cases[i].b)
			fail_msg("bool '%s'", cases[i].v);
		if (mfa_csv_read_signin(cases[i].v) != cases[i].signin)
			fail_msg("signin '%s'", cases[i].v);
	}
	assert_int_equal(mfa_tri_parse(NULL), MFA_TRI_UNKNOWN);
}

#define BIT(m) (1u << MFA_METHOD_##m)

/* One data row (cells separated by TAB, so values may hold commas) and
 * everything the record must say. Fields left out must be unknown/NULL. */
struct map_case {
	const char *header;
	const char *row;
	enum mfa_csv_row_result result;
	enum mfa_state state;
	const char *state_error;
	enum mfa_tri registered, capable;
	uint32_t methods;
	const char *other, *dflt;
	enum mfa_tri admin, enabled;
	enum mfa_user_type type;
	const char *id, *upn, *display, *mail;
};

static const struct map_case map_cases[] = {
	/* o365reports GetMFAStatus */
	{ .header = H_GETMFA,
	  .row = "Adele Vance\tadele.vance@contoso.example\tEnforced\tYes\tPhoneAppNotification\t"
		 "PhoneAppNotification,OneWaySMS TwoWayVoiceMobile|PhoneAppOTP\t+1 425 555 0100\t-\tLicensed\tTrue\t"
		 "Global Administrator\tDenied",
	  .state = MFA_STATE_ENFORCED, .registered = MFA_TRI_YES,
	  .methods = BIT(AUTHENTICATOR_PUSH) | BIT(MOBILE_PHONE) | BIT(SOFTWARE_OTP),
	  .dflt = "microsoftAuthenticatorPush", .admin = MFA_TRI_YES, .enabled = MFA_TRI_NO,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "adele.vance@contoso.example", .display = "Adele Vance" },
	{ .header = H_GETMFA,
	  .row = "-\tbob@contoso.example\tdisabled\tNo\t-\t-\t-\t-\t-\t-\t-\t-",
	  .state = MFA_STATE_DISABLED, .registered = MFA_TRI_NO, .type = MFA_USER_TYPE_MEMBER,
	  .upn = "bob@contoso.example" },
	{ .header = H_GETMFA,
	  .row = "Kim\tkim_fabrikam.example#EXT#@contoso.example\tEnabled\tYes\tOneWaySMS\tOneWaySMS\t\t\tUnlicensed\tFalse\t\tAllowed",
	  .state = MFA_STATE_ENABLED, .registered = MFA_TRI_YES, .methods = BIT(MOBILE_PHONE),
	  .dflt = "mobilePhone", .admin = MFA_TRI_NO, .enabled = MFA_TRI_YES, .type = MFA_USER_TYPE_GUEST,
	  .upn = "kim_fabrikam.example#EXT#@contoso.example", .display = "Kim" },
	/* its disabled-users report: no registration data */
	{ .header = H_GETMFA_DISABLED,
	  .row = "Diego\tdiego@contoso.example\tHR\tDisabled\tLicensed\tFalse\t-\tAllowed",
	  .state = MFA_STATE_DISABLED, .admin = MFA_TRI_NO, .enabled = MFA_TRI_YES,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "diego@contoso.example", .display = "Diego" },
	/* o365reports CheckMFAStatus: registered = any strong method */
	{ .header = H_CHECKMFA,
	  .row = "Lynne\tlynne@contoso.example\tEnabled\tRetail\tLicensed\tAllowed\tPassword,Email\t-\t-\tFalse\t-",
	  .state = MFA_STATE_ENABLED, .registered = MFA_TRI_NO, .methods = BIT(EMAIL),
	  .enabled = MFA_TRI_YES, .type = MFA_USER_TYPE_MEMBER, .upn = "lynne@contoso.example", .display = "Lynne" },
	{ .header = H_CHECKMFA,
	  .row = "Grady\tgrady@contoso.example\tEnforced\tIT\tLicensed\tBlocked\t"
		 "Password,MicrosoftAuthenticator,Phone,Fido2,QuantumThing\t+1\tPixel\tTrue\t-",
	  .state = MFA_STATE_ENFORCED, .registered = MFA_TRI_YES,
	  .methods = BIT(AUTHENTICATOR_PUSH) | BIT(MOBILE_PHONE) | BIT(FIDO2) | BIT(SOFTWARE_OTP),
	  .other = "QuantumThing", .enabled = MFA_TRI_NO, .type = MFA_USER_TYPE_MEMBER,
	  .upn = "grady@contoso.example", .display = "Grady" },
	{ .header = H_CHECKMFA,
	  .row = "Nobody\tnobody@contoso.example\tDisabled\t-\t-\tTrue\t\t-\t-\t-\t-",
	  .state = MFA_STATE_DISABLED, .registered = MFA_TRI_NO, .enabled = MFA_TRI_YES,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "nobody@contoso.example", .display = "Nobody" },
	/* o365reports IdentifyMFADeploymentSources */
	{ .header = H_DEPLOY,
	  .row = "Megan\tmegan@contoso.example\tTrue\tmobilePhone,email\tPer-user MFA\tEnabled\tDisabled\t-\t-\tTrue",
	  .state = MFA_STATE_ENABLED, .registered = MFA_TRI_YES, .methods = BIT(MOBILE_PHONE) | BIT(EMAIL),
	  .type = MFA_USER_TYPE_MEMBER, .upn = "megan@contoso.example", .display = "Megan" },
	/* LazyAdmin: MFAEnforced True cannot tell enabled from enforced */
	{ .header = H_LAZY,
	  .row = "Adele\tadele@contoso.example\tTrue\tTrue\tPhoneAppNotification\tTrue\tFalse\tTrue\tTrue\tTrue",
	  .state = MFA_STATE_AMBIGUOUS, .registered = MFA_TRI_YES,
	  .methods = BIT(MOBILE_PHONE) | BIT(SOFTWARE_OTP) | BIT(AUTHENTICATOR_PUSH),
	  .dflt = "microsoftAuthenticatorPush", .admin = MFA_TRI_YES, .type = MFA_USER_TYPE_MEMBER,
	  .upn = "adele@contoso.example", .display = "Adele" },
	{ .header = H_LAZY,
	  .row = "Diego\tdiego@contoso.example\tFalse\tFalse\t-\tFalse\tFalse\tFalse\tFalse\t-",
	  .state = MFA_STATE_DISABLED, .registered = MFA_TRI_NO, .admin = MFA_TRI_NO,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "diego@contoso.example", .display = "Diego" },
	{ .header = H_LAZY,
	  .row = "Alex\talex@contoso.example\tFalse\tTrue\tOneWaySMS\tFalse\tTrue\tFalse\tFalse\tFalse",
	  .state = MFA_STATE_DISABLED, .registered = MFA_TRI_YES, .methods = BIT(MOBILE_PHONE),
	  .dflt = "mobilePhone", .admin = MFA_TRI_NO, .type = MFA_USER_TYPE_MEMBER,
	  .upn = "alex@contoso.example", .display = "Alex" },
	{ .header = H_LAZY,
	  .row = "Eve\teve@contoso.example\tFalse\tTrue\t-\tFalse\tFalse\tFalse\tFalse\t",
	  .state = MFA_STATE_DISABLED, .registered = MFA_TRI_YES, .admin = MFA_TRI_NO,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "eve@contoso.example", .display = "Eve" },
	{ .header = H_LAZY,
	  .row = "Ed\ted@contoso.example\tFalse\tTrue\t-\tFalse\tFalse\tFalse\tFalse\tEnforced",
	  .state = MFA_STATE_ENFORCED, .registered = MFA_TRI_YES, .admin = MFA_TRI_NO,
	  .type = MFA_USER_TYPE_MEMBER, .upn = "ed@contoso.example", .display = "Ed" },
	{ .header = H_LAZY,
	  .row = "Flo\tflo@contoso.example\tFalse\tTrue\t-\tFalse\tFalse\tFalse\tFalse\tPerhaps",
	  .result = MFA_CSV_ROW_WARN, .state = MFA_STATE_UNKNOWN,
	  .state_error = "unreadable per-user MFA state 'Perhaps'", .registered = MFA_TRI_YES,
	  .admin = MFA_TRI_NO, .type = MFA_USER_TYPE_MEMBER, .upn = "flo@contoso.example", .display = "Flo" },
	/* AzureADAssessment: registration only */
	{ .header = H_ASSESS,
	  .row = "0001\tkim_f#EXT#@contoso.example\tKim\tGuest\tFalse\tFalse\t\tkim@f.example\t\t\t\t\tTrue\tFalse\t"
		 "mobilePhone;securityQuestion\tmobilePhone",
	  .state = MFA_STATE_UNKNOWN, .state_error = "the export has no per-user MFA state",
	  .registered = MFA_TRI_YES, .capable = MFA_TRI_NO,
	  .methods = BIT(MOBILE_PHONE) | BIT(SECURITY_QUESTION), .dflt = "mobilePhone",
	  .enabled = MFA_TRI_NO, .type = MFA_USER_TYPE_GUEST, .id = "0001",
	  .upn = "kim_f#EXT#@contoso.example", .display = "Kim" },
	/* Graph properties */
	{ .header = H_GRAPHPROPS, .row = "0002\tA, B\ta@contoso.example\tenforced",
	  .state = MFA_STATE_ENFORCED, .type = MFA_USER_TYPE_MEMBER, .id = "0002",
	  .upn = "a@contoso.example", .display = "A, B" },
	{ .header = H_GRAPHPROPS, .row = "0003\tC\tc@contoso.example\tunknownFutureValue",
	  .result = MFA_CSV_ROW_WARN, .state = MFA_STATE_UNKNOWN,
	  .state_error = "unreadable per-user MFA state 'unknownFutureValue'", .type = MFA_USER_TYPE_MEMBER,
	  .id = "0003", .upn = "c@contoso.example", .display = "C" },
	{ .header = H_GRAPHPROPS, .row = "0004\tD\td@contoso.example\t",
	  .state = MFA_STATE_UNKNOWN, .state_error = "no per-user MFA state", .type = MFA_USER_TYPE_MEMBER,
	  .id = "0004", .upn = "d@contoso.example", .display = "D" },
	{ .header = H_GRAPHPROPS, .row = "0005\tE\te@contoso.example\t-",
	  .state = MFA_STATE_UNKNOWN, .state_error = "no per-user MFA state", .type = MFA_USER_TYPE_MEMBER,
	  .id = "0005", .upn = "e@contoso.example", .display = "E" },
	{ .header = H_GRAPHPROPS, .row = "0006\tF\tf@contoso.example\tDISABLE",
	  .result = MFA_CSV_ROW_WARN, .state = MFA_STATE_UNKNOWN,
	  .state_error = "unreadable per-user MFA state 'DISABLE'", .type = MFA_USER_TYPE_MEMBER,
	  .id = "0006", .upn = "f@contoso.example", .display = "F" },
	/* short row: the missing cells are blank */
	{ .header = H_GRAPHPROPS, .row = "0007\tG\tg@contoso.example",
	  .state = MFA_STATE_UNKNOWN, .state_error = "no per-user MFA state", .type = MFA_USER_TYPE_MEMBER,
	  .id = "0007", .upn = "g@contoso.example", .display = "G" },
	/* an id-only export is fine... */
	{ .header = "id,perUserMfaState", .row = "0012\tenforced",
	  .state = MFA_STATE_ENFORCED, .type = MFA_USER_TYPE_MEMBER, .id = "0012" },
	/* the Graph script's MFAState export */
	{ .header = H_MFASTATE,
	  .row = "0008\th@contoso.example\tH\tEnforced\tPhoneAppOTP\th@contoso.example\t\tMember\tTrue\t2023-01-01",
	  .state = MFA_STATE_ENFORCED, .dflt = "softwareOneTimePasscode", .enabled = MFA_TRI_YES,
	  .type = MFA_USER_TYPE_MEMBER, .id = "0008", .upn = "h@contoso.example", .display = "H" },
	/* userRegistrationDetails, Graph names, JSON-ish list */
	{ .header = H_REG,
	  .row = "0009\tg_f#EXT#@contoso.example\tG\tguest\ttrue\ttrue\ttrue\tfalse\tfalse\tfalse\tfalse\t"
		 "[\"mobilePhone\",\"fido2SecurityKey\",\"quantumKey\"]\tnone\tmobilePhone\t2024-01-01",
	  .state = MFA_STATE_UNKNOWN,
	  .state_error = "the export has no per-user MFA state (it is a registration details export)",
	  .registered = MFA_TRI_YES, .capable = MFA_TRI_YES, .methods = BIT(MOBILE_PHONE) | BIT(FIDO2),
	  .other = "quantumKey", .admin = MFA_TRI_YES, .type = MFA_USER_TYPE_GUEST, .id = "0009",
	  .upn = "g_f#EXT#@contoso.example", .display = "G" },
	{ .header = H_REG,
	  .row = "0010\tp@contoso.example\tP\tmember\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t"
		 "email, Password, passwordAuthenticationMethod\t\t\t",
	  .state = MFA_STATE_UNKNOWN,
	  .state_error = "the export has no per-user MFA state (it is a registration details export)",
	  .registered = MFA_TRI_NO, .capable = MFA_TRI_NO, .methods = BIT(EMAIL), .admin = MFA_TRI_NO,
	  .type = MFA_USER_TYPE_MEMBER, .id = "0010", .upn = "p@contoso.example", .display = "P" },
	/* the admin center's download: display names, kept verbatim when unknown */
	{ .header = H_PORTAL,
	  .row = "q@contoso.example\tQ\tMember\tYes\tTrue\tTrue\tTrue\tTrue\tFalse\tFalse\t"
		 "Microsoft Authenticator push, Mobile phone, Quantum key\tMicrosoft Authenticator push\t6/1/2024",
	  .state = MFA_STATE_UNKNOWN,
	  .state_error = "the export has no per-user MFA state (it is a registration details export)",
	  .registered = MFA_TRI_YES, .capable = MFA_TRI_NO,
	  .methods = BIT(AUTHENTICATOR_PUSH) | BIT(MOBILE_PHONE), .other = "Quantum key",
	  .dflt = "microsoftAuthenticatorPush", .admin = MFA_TRI_YES, .type = MFA_USER_TYPE_MEMBER,
	  .upn = "q@contoso.example", .display = "Q" },
	/* mfa-migrate's own users.csv */
	{ .header = H_OWN_FULL,
	  .row = "0011\tr@contoso.example\t'=cmd|' /C calc'!A0\tmember\ttrue\tenabled-or-enforced\ttrue\tfalse\t"
		 "mobilePhone;oddOne\tmobilePhone\tfalse\tx\ty\tz\tw\tv\t",
	  .state = MFA_STATE_AMBIGUOUS, .registered = MFA_TRI_YES, .capable = MFA_TRI_NO,
	  .methods = BIT(MOBILE_PHONE), .other = "oddOne", .dflt = "mobilePhone", .admin = MFA_TRI_NO,
	  .enabled = MFA_TRI_YES, .type = MFA_USER_TYPE_MEMBER, .id = "0011", .upn = "r@contoso.example",
	  .display = "=cmd|' /C calc'!A0" },
	{ .header = H_OWN_FULL,
	  .row = "\ts@contoso.example\t'Quote\t\t\tunknown\t\t\t\t\t\t\t\t\t\t\tHTTP 403: denied",
	  .state = MFA_STATE_UNKNOWN, .state_error = "HTTP 403: denied", .upn = "s@contoso.example",
	  .display = "'Quote" },
	{ .header = H_OWN_FULL,
	  .row = "\tt#EXT#@contoso.example\t\t\t\tdisabled",
	  .state = MFA_STATE_DISABLED, .type = MFA_USER_TYPE_GUEST, .upn = "t#EXT#@contoso.example" },
	/* bad and blank rows */
	{ .header = H_GRAPHPROPS, .row = "\tNo Key\t\tenabled", .result = MFA_CSV_ROW_BAD,
	  .state_error = "no user principal name or id" },
	/* ...but a blank UPN where there is a UPN column is a broken row */
	{ .header = H_GRAPHPROPS, .row = "0013\tNo UPN\t\tenabled", .result = MFA_CSV_ROW_BAD,
	  .state_error = "no user principal name" },
	{ .header = H_GRAPHPROPS, .row = "0014\tShort", .result = MFA_CSV_ROW_BAD,
	  .state_error = "no user principal name" },
	{ .header = H_GETMFA, .row = "Somebody\t-\tEnabled", .result = MFA_CSV_ROW_BAD,
	  .state_error = "no user principal name or id" },
	{ .header = H_GRAPHPROPS, .row = " \t\t \t", .result = MFA_CSV_ROW_BLANK },
};

static void check_str(size_t i, const char *what, const char *got, const char *want)
{
	if (!want && got)
		fail_msg("case %zu: %s is '%s', want NULL", i, what, got);
	if (want && (!got || strcmp(got, want) != 0))
		fail_msg("case %zu: %s is '%s', want '%s'", i, what, got ? got : "(null)", want);
}

static void test_map_table(void **state)
{
	struct mfa_csv_scratch s;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		const struct map_case *c = &map_cases[i];
		struct mfa_csv_layout l;
		struct mfa_user u;
		char *cells[64];
		size_t n;
		char *copy;
		enum mfa_csv_row_result res;

		if (detect(c->header, &l) != 0)
			fail_msg("case %zu: header not recognised", i);
		copy = split(c->row, '\t', cells, 64, &n);
		res = mfa_csv_row_map(&l, cells, n, &u, &s);
		if (res != c->result)
			fail_msg("case %zu (%s): result %d, want %d (%s)", i, l.format->name, res, c->result, s.problem);
		if (res == MFA_CSV_ROW_BAD) {
			/* for bad rows, state_error holds the problem expected */
			check_str(i, "problem", s.problem, c->state_error);
		} else if (res == MFA_CSV_ROW_WARN) {
			check_str(i, "problem", s.problem, c->state_error);
		}
		if (res != MFA_CSV_ROW_BAD && res != MFA_CSV_ROW_BLANK) {
			if (u.state != c->state)
				fail_msg("case %zu (%s): state %s, want %s", i, l.format->name,
					 mfa_state_name(u.state), mfa_state_name(c->state));
			/* never "disabled" for a state that could not be read */
			if (c->state_error && u.state == MFA_STATE_DISABLED)
				fail_msg("case %zu: unreadable state became disabled", i);
			check_str(i, "state_error", u.state_error, c->state_error);
			if (u.reg.registered != c->registered)
				fail_msg("case %zu (%s): registered %d, want %d", i, l.format->name, u.reg.registered, c->registered);
			if (u.reg.capable != c->capable)
				fail_msg("case %zu: capable %d, want %d", i, u.reg.capable, c->capable);
			if (u.reg.methods != c->methods)
				fail_msg("case %zu (%s): methods %#x, want %#x", i, l.format->name, u.reg.methods, c->methods);
			check_str(i, "other_methods", u.reg.other_methods, c->other);
			check_str(i, "default_method", u.reg.default_method, c->dflt);
			if (u.is_admin != c->admin)
				fail_msg("case %zu: is_admin %d, want %d", i, u.is_admin, c->admin);
			if (u.account_enabled != c->enabled)
				fail_msg("case %zu: account_enabled %d, want %d", i, u.account_enabled, c->enabled);
			if (u.user_type != c->type)
				fail_msg("case %zu: user_type %d, want %d", i, u.user_type, c->type);
			check_str(i, "id", u.id, c->id);
			check_str(i, "upn", u.upn, c->upn);
			check_str(i, "display_name", u.display_name, c->display);
			assert_null(u.source_file);
		}
		free(copy);
	}
	mfa_csv_scratch_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_table),
		cmocka_unit_test(test_own_schema),
		cmocka_unit_test(test_every_format_is_tested),
		cmocka_unit_test(test_layout_columns),
		cmocka_unit_test(test_expected_message),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_bool_readers),
		cmocka_unit_test(test_map_table),
	};

	return cmocka_run_group_tests_name("csv_formats", tests, NULL, NULL);
}
