/* test_coverage.c - the Conditional Access coverage evaluator
 * (mfa/coverage.h), table-driven.
 *
 * Every row is built twice when it can be: through the live path's
 * builders (mfa_ca_model_add_policy_json, _add_group_member, ...) and
 * through the file loader (the same policies and memberships written as
 * --ca-policies / --ca-members files). Both must give the row's verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "mfa/model/coverage.h"
#include "sources/ca_files.h"
#include "sources/ca_policy_json.h"

#define GA "62e90394-69f5-4237-9190-012177145e10"
#define ALICE "a11ce000-0000-4000-8000-000000000001"
#define BOB "b0b00000-0000-4000-8000-000000000002"
#define KIM "k1m00000-0000-4000-8000-000000000003"
#define KIM_UPN "kim_fabrikam.example#EXT#@contoso.example"

#define MFA "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}"
#define ALL_USERS "{\"includeUsers\":[\"All\"]}"

struct pol {
	const char *name;
	const char *state; /* NULL: enabled */
	const char *users; /* conditions.users; NULL: ALL_USERS */
	const char *apps;  /* conditions.applications; NULL: all apps */
	const char *cond;  /* more conditions, starting with ',' */
	const char *grant; /* grantControls; NULL: MFA */
};

/* 'g': user is a member of group set; 'r': holds role set; 'G' / 'R': the
 * group / role was read and is empty; 'u': UPN set is an alias of user. */
struct mem {
	char kind;
	const char *set;
	const char *user;
};

struct row {
	const char *title;
	struct pol pol[3];
	struct mem mems[6];
	const char *members_json; /* loader only: the members file as is */
	bool secdef;
	bool not_read;            /* builders only: policies never marked read */
	struct {
		const char *id, *upn;
		enum mfa_user_type type;
	} user;
	enum mfa_coverage_verdict want;
	uint32_t gaps;
	const char *policies;   /* NULL: not checked */
	const char *reason_has; /* NULL: not checked */
};

#define ENABLED NULL
#define ALICE_USER { ALICE, "alice@contoso.example", MFA_USER_TYPE_MEMBER }
#define BOB_USER { BOB, "bob@contoso.example", MFA_USER_TYPE_MEMBER }
#define KIM_GUEST { KIM, KIM_UPN, MFA_USER_TYPE_GUEST }

static const struct row rows[] = {
	/* ---- include / exclude ---- */
	{ "include All, exclude the user", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"" ALICE "\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "include All, exclude another user", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"" ALICE "\"]}" } },
	  { { 0 } }, NULL, false, false, BOB_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "include the user by id", { { .name = "P1", .users = "{\"includeUsers\":[\"" ALICE "\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "include another user by id", { { .name = "P1", .users = "{\"includeUsers\":[\"" BOB "\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "exclude group wins over include user",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"" ALICE "\"],\"excludeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", ALICE } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "exclude group the user is not in",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", BOB } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "include group", { { .name = "P1", .users = "{\"includeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", ALICE } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "ids are compared in any case",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"AbCd-G1\"]}" } },
	  { { 'g', "abcd-g1", "A11CE000-0000-4000-8000-000000000001" } }, NULL, false, false, ALICE_USER,
	  MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "nested group exclusion (members file)",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}" } }, { { 0 } },
	  "{\"groups\":{\"G1\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G2\"}]},"
	  "\"G2\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G3\"}]},"
	  "\"G3\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"" ALICE "\"}]}}}",
	  false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "nested groups in a cycle (members file)",
	  { { .name = "P1", .users = "{\"includeGroups\":[\"G1\"]}" } }, { { 0 } },
	  "{\"groups\":{\"G1\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G2\"}]},"
	  "\"G2\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G1\"},\"" ALICE "\"]}}}",
	  false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "role include", { { .name = "P1", .users = "{\"includeRoles\":[\"" GA "\"]}" } },
	  { { 'r', GA, ALICE } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "role include, user without the role", { { .name = "P1", .users = "{\"includeRoles\":[\"" GA "\"]}" } },
	  { { 'r', GA, ALICE } }, NULL, false, false, BOB_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "role exclude", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeRoles\":[\"" GA "\"]}" } },
	  { { 'r', GA, ALICE } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "role exclude wins over include by id and by group",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"" ALICE "\"],\"includeGroups\":[\"G1\"],\"excludeRoles\":[\"" GA "\"]}" } },
	  { { 'g', "G1", ALICE }, { 'r', GA, ALICE } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED,
	  0, "", NULL },
	{ "a group is not a role of the same id", { { .name = "P1", .users = "{\"includeRoles\":[\"X1\"]}" } },
	  { { 'g', "X1", ALICE }, { 'R', "X1", NULL } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED,
	  0, "", NULL },
	{ "None includes nobody", { { .name = "P1", .users = "{\"includeUsers\":[\"None\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },

	/* ---- guests ---- */
	{ "GuestsOrExternalUsers includes a guest", { { .name = "P1", .users = "{\"includeUsers\":[\"GuestsOrExternalUsers\"]}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "GuestsOrExternalUsers: #EXT# UPN without userType",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"GuestsOrExternalUsers\"]}" } },
	  { { 0 } }, NULL, false, false, { KIM, KIM_UPN, MFA_USER_TYPE_UNKNOWN }, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "GuestsOrExternalUsers does not include a member",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"GuestsOrExternalUsers\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "GuestsOrExternalUsers excluded from All",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"GuestsOrExternalUsers\"]}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "typed b2bCollaborationGuest, all tenants",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"internalGuest,b2bCollaborationGuest\","
			     "\"externalTenants\":{\"@odata.type\":\"#microsoft.graph.conditionalAccessAllExternalTenants\",\"membershipKind\":\"all\"}}}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "typed internalGuest only: an external guest is not included",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"internalGuest\"}}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "typed internalGuest: a guest with a home UPN",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"internalGuest\"}}" } },
	  { { 0 } }, NULL, false, false, { KIM, "kim@contoso.example", MFA_USER_TYPE_GUEST }, MFA_COVERAGE_COVERED, 0,
	  "P1", NULL },
	{ "typed b2bCollaborationMember: a member with #EXT#",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"b2bCollaborationMember\"}}" } },
	  { { 0 } }, NULL, false, false, { KIM, KIM_UPN, MFA_USER_TYPE_MEMBER }, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "typed guest condition does not include members",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"b2bCollaborationGuest\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "typed exclusion wins over All",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"b2bCollaborationGuest\","
			     "\"externalTenants\":{\"membershipKind\":\"all\"}}}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "typed, enumerated tenants: cannot tell",
	  { { .name = "P1", .users = "{\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":\"b2bCollaborationGuest\","
			     "\"externalTenants\":{\"@odata.type\":\"#microsoft.graph.conditionalAccessEnumeratedExternalTenants\","
			     "\"membershipKind\":\"enumerated\",\"members\":[\"t1\"]}}}" } },
	  { { 0 } }, NULL, false, false, KIM_GUEST, MFA_COVERAGE_UNKNOWN, 0, NULL, "home tenant" },

	/* ---- states ---- */
	{ "disabled policy ignored", { { .name = "P1", .state = "disabled" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "report-only only", { { .name = "P1", .state = "enabledForReportingButNotEnforced" }, { .name = "P2", .state = "disabled" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_REPORT_ONLY, 0, "P1", NULL },
	{ "report-only partial names its gaps",
	  { { .name = "P1", .state = "enabledForReportingButNotEnforced", .cond = ",\"clientAppTypes\":[\"browser\"]" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_REPORT_ONLY, MFA_GAP_CLIENT_APPS, "P1",
	  "some client app types" },
	{ "report-only + enabled partial", { { .name = "P1", .state = "enabledForReportingButNotEnforced" },
					     { .name = "P2", .apps = "{\"includeApplications\":[\"00000002-0000-0ff1-ce00-000000000000\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_APPS, "P2", "only some apps" },
	{ "enabled covering beats partial", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\",\"compliantDevice\"]}" },
					      { .name = "P2" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P2", NULL },
	{ "several covering policies are named", { { .name = "P1" }, { .name = "P2", .state = "disabled" }, { .name = "P3" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1;P3", NULL },
	{ "two partial policies: reasons joined",
	  { { .name = "P1", .apps = "{\"includeApplications\":[\"Office365\"]}" },
	    { .name = "P2", .cond = ",\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"AllTrusted\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_APPS | MFA_GAP_LOCATIONS, "P1;P2",
	  "only some apps, locations" },

	/* ---- grant controls ---- */
	{ "OR with compliantDevice", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\",\"compliantDevice\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_OR, "P1", "mfa OR another control" },
	{ "AND with compliantDevice", { { .name = "P1", .grant = "{\"operator\":\"AND\",\"builtInControls\":[\"mfa\",\"compliantDevice\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "OR with terms of use", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"],\"termsOfUse\":[\"tou1\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_OR, "P1", NULL },
	{ "block is not mfa", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"block\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "compliantDevice alone is not mfa", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"compliantDevice\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "no grant controls (session only)", { { .name = "P1", .grant = "null" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "authentication strength: built-in id", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[],\"authenticationStrength\":{\"id\":\"00000000-0000-0000-0000-000000000002\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "authentication strength: phishing-resistant built-in", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[],\"authenticationStrength\":{\"id\":\"00000000-0000-0000-0000-000000000004\","
		"\"displayName\":\"Phishing-resistant MFA\",\"policyType\":\"builtIn\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "authentication strength: custom, requirementsSatisfied mfa", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[],\"authenticationStrength\":{\"id\":\"5e2a6f6d-0000-4000-8000-00000000c0de\","
		"\"policyType\":\"custom\",\"requirementsSatisfied\":\"mfa\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "authentication strength: requirementsSatisfied none", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[],\"authenticationStrength\":{\"id\":\"5e2a6f6d-0000-4000-8000-00000000c0df\","
		"\"policyType\":\"custom\",\"requirementsSatisfied\":\"none\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "authentication strength OR compliantDevice", { { .name = "P1", .grant = "{\"operator\":\"OR\",\"builtInControls\":[\"compliantDevice\"],\"authenticationStrength\":{\"id\":\"00000000-0000-0000-0000-000000000003\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_OR, "P1", NULL },

	/* ---- apps and conditions ---- */
	{ "app-scoped", { { .name = "P1", .apps = "{\"includeApplications\":[\"00000002-0000-0ff1-ce00-000000000000\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_APPS, "P1", "only some apps" },
	{ "all apps but some excluded", { { .name = "P1", .apps = "{\"includeApplications\":[\"All\"],\"excludeApplications\":[\"app1\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_APPS, "P1", NULL },
	{ "user actions only", { { .name = "P1", .apps = "{\"includeApplications\":[],\"includeUserActions\":[\"urn:user:registersecurityinfo\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_APPS, "P1", NULL },
	{ "applications None targets nothing", { { .name = "P1", .apps = "{\"includeApplications\":[\"None\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "clientAppTypes browser", { { .name = "P1", .cond = ",\"clientAppTypes\":[\"browser\"]" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_CLIENT_APPS, "P1", "some client app types" },
	{ "clientAppTypes: the four types are all", { { .name = "P1", .cond = ",\"clientAppTypes\":[\"browser\",\"mobileAppsAndDesktopClients\",\"exchangeActiveSync\",\"other\"]" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "locations: trusted excluded", { { .name = "P1", .cond = ",\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"AllTrusted\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_LOCATIONS, "P1", "locations" },
	{ "locations: All, nothing excluded", { { .name = "P1", .cond = ",\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "platforms", { { .name = "P1", .cond = ",\"platforms\":{\"includePlatforms\":[\"android\",\"iOS\"],\"excludePlatforms\":[]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_PLATFORMS, "P1", "platforms" },
	{ "platforms: all", { { .name = "P1", .cond = ",\"platforms\":{\"includePlatforms\":[\"all\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "device filter", { { .name = "P1", .cond = ",\"devices\":{\"deviceFilter\":{\"mode\":\"exclude\",\"rule\":\"device.isCompliant -eq True\"}}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_DEVICES, "P1", "device filter" },
	{ "sign-in risk", { { .name = "P1", .cond = ",\"signInRiskLevels\":[\"high\",\"medium\"]" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_PARTIAL, MFA_GAP_RISK, "P1", "risk levels" },

	/* ---- security defaults, nothing, unknown ---- */
	{ "security defaults", { { 0 } },
	  { { 0 } }, NULL, true, false, ALICE_USER, MFA_COVERAGE_SECURITY_DEFAULTS, 0, "", NULL },
	{ "security defaults and a covering policy", { { .name = "P1" } },
	  { { 0 } }, NULL, true, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "security defaults beat a partial policy", { { .name = "P1", .cond = ",\"clientAppTypes\":[\"browser\"]" } },
	  { { 0 } }, NULL, true, false, ALICE_USER, MFA_COVERAGE_SECURITY_DEFAULTS, 0, "", NULL },
	{ "nothing", { { 0 } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "policies not read", { { .name = "P1" } },
	  { { 0 } }, NULL, false, true, ALICE_USER, MFA_COVERAGE_UNKNOWN, 0, "", "not read" },
	{ "excluded group not read", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G9\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_UNKNOWN, 0, NULL, "group 'G9' not read" },
	{ "included role not read", { { .name = "P1", .users = "{\"includeRoles\":[\"" GA "\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_UNKNOWN, 0, NULL, "role '" GA "' not read" },
	{ "empty group read", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G9\"]}" } },
	  { { 'G', "G9", NULL } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "unread group does not matter when covered anyway",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G9\"]}" },
	    { .name = "P2", .users = "{\"includeUsers\":[\"" ALICE "\"]}" } },
	  { { 0 } }, NULL, false, false, ALICE_USER, MFA_COVERAGE_COVERED, 0, "P2", NULL },
	{ "user without id, found by UPN alias", { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", ALICE }, { 'u', "Alice@Contoso.Example", ALICE } }, NULL, false, false,
	  { NULL, "alice@contoso.example", MFA_USER_TYPE_MEMBER }, MFA_COVERAGE_NOT_COVERED, 0, "", NULL },
	{ "user without id, no alias, policy names a group",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", BOB } }, NULL, false, false, { NULL, "alice@contoso.example", MFA_USER_TYPE_MEMBER },
	  MFA_COVERAGE_UNKNOWN, 0, NULL, "no object id" },
	{ "alias given after the membership still counts",
	  { { .name = "P1", .users = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}" } },
	  { { 'g', "G1", BOB }, { 'u', "bob@contoso.example", BOB } }, NULL, false, false,
	  { NULL, "alice@contoso.example", MFA_USER_TYPE_MEMBER }, MFA_COVERAGE_COVERED, 0, "P1", NULL },
	{ "user without id, policy for All", { { .name = "P1" } },
	  { { 0 } }, NULL, false, false, { NULL, "alice@contoso.example", MFA_USER_TYPE_MEMBER },
	  MFA_COVERAGE_COVERED, 0, "P1", NULL },
};

/* ---- building a row's model ---- */

static char *policy_json(const struct pol *p)
{
	const char *cond = p->cond ? p->cond : "";
	const char *types = strstr(cond, "clientAppTypes") ? "" : ",\"clientAppTypes\":[\"all\"]";
	size_t n = 1024 + strlen(p->name) * 2 + strlen(cond) + (p->users ? strlen(p->users) : 0) +
		   (p->apps ? strlen(p->apps) : 0) + (p->grant ? strlen(p->grant) : 0);
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n,
		 "{\"id\":\"id-%s\",\"displayName\":\"%s\",\"state\":\"%s\",\"conditions\":{"
		 "\"users\":%s,\"applications\":%s%s%s},\"grantControls\":%s}",
		 p->name, p->name, p->state ? p->state : "enabled", p->users ? p->users : ALL_USERS,
		 p->apps ? p->apps : "{\"includeApplications\":[\"All\"],\"excludeApplications\":[]}", cond, types,
		 p->grant ? p->grant : MFA);
	return s;
}

static struct mfa_ca_model *build_live(const struct row *r)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_err err = MFA_ERR_INIT;
	size_t i;

	assert_non_null(m);
	for (i = 0; i < 3 && r->pol[i].name; i++) {
		char *s = policy_json(&r->pol[i]);
		cJSON *j = cJSON_Parse(s);

		if (!j)
			fail_msg("%s: bad test JSON: %s", r->title, s);
		if (mfa_ca_model_add_policy_json(m, j, &err) < 0)
			fail_msg("%s: %s", r->title, err.msg);
		cJSON_Delete(j);
		free(s);
	}
	for (i = 0; i < 6 && r->mems[i].kind; i++) {
		const struct mem *e = &r->mems[i];
		int rc = -1;

		switch (e->kind) {
		case 'g': rc = mfa_ca_model_add_group_member(m, e->set, e->user); break;
		case 'r': rc = mfa_ca_model_add_role_member(m, e->set, e->user); break;
		case 'G': rc = mfa_ca_model_mark_group_read(m, e->set); break;
		case 'R': rc = mfa_ca_model_mark_role_read(m, e->set); break;
		case 'u': rc = mfa_ca_model_add_user_upn(m, e->user, e->set); break;
		}
		assert_int_equal(rc, 0);
	}
	mfa_ca_model_set_security_defaults(m, r->secdef);
	if (!r->not_read)
		mfa_ca_model_mark_policies_read(m);
	return m;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The row's memberships as a members file: each group / role one
 * {"value":[...]} list; UPN aliases ride on the member objects. */
static void members_json(const struct row *r, char *buf, size_t size)
{
	size_t len = 0, i, j;
	int pass;

	len += (size_t)snprintf(buf + len, size - len, "{\"securityDefaults\":{\"isEnabled\":%s}",
				r->secdef ? "true" : "false");
	for (pass = 0; pass < 2; pass++) {
		char lo = pass ? 'r' : 'g', hi = pass ? 'R' : 'G';
		bool first = true;

		len += (size_t)snprintf(buf + len, size - len, ",\"%s\":{", pass ? "roles" : "groups");
		for (i = 0; i < 6 && r->mems[i].kind; i++) {
			const struct mem *e = &r->mems[i];
			bool seen = false, firstm = true;

			if (e->kind != lo && e->kind != hi)
				continue;
			for (j = 0; j < i; j++)
				seen = seen || ((r->mems[j].kind == lo || r->mems[j].kind == hi) &&
						strcmp(r->mems[j].set, e->set) == 0);
			if (seen)
				continue;
			len += (size_t)snprintf(buf + len, size - len, "%s\"%s\":{\"value\":[", first ? "" : ",", e->set);
			first = false;
			for (j = i; j < 6 && r->mems[j].kind; j++) {
				const struct mem *f = &r->mems[j];
				const char *upn = NULL;
				size_t k;

				if (f->kind != lo || strcmp(f->set, e->set) != 0)
					continue;
				for (k = 0; k < 6 && r->mems[k].kind; k++) {
					if (r->mems[k].kind == 'u' && strcmp(r->mems[k].user, f->user) == 0)
						upn = r->mems[k].set;
				}
				len += (size_t)snprintf(buf + len, size - len,
							"%s{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"%s\"%s%s%s}",
							firstm ? "" : ",", f->user, upn ? ",\"userPrincipalName\":\"" : "",
							upn ? upn : "", upn ? "\"" : "");
				firstm = false;
			}
			len += (size_t)snprintf(buf + len, size - len, "]}");
		}
		len += (size_t)snprintf(buf + len, size - len, "}");
	}
	snprintf(buf + len, size - len, "}");
	assert_true(len + 2 < size);
}

static struct mfa_ca_model *build_files(const struct row *r, const char *dir)
{
	char ppath[512], mpath[512], members[8192];
	char *text = NULL;
	size_t len = 0, i;
	struct mfa_ca_model *m = NULL;
	struct mfa_err err = MFA_ERR_INIT;

	snprintf(ppath, sizeof(ppath), "%s/policies.json", dir);
	snprintf(mpath, sizeof(mpath), "%s/members.json", dir);
	text = malloc(16384);
	assert_non_null(text);
	len += (size_t)snprintf(text, 16384, "{\"@odata.context\":\"x\",\"value\":[");
	for (i = 0; i < 3 && r->pol[i].name; i++) {
		char *s = policy_json(&r->pol[i]);

		len += (size_t)snprintf(text + len, 16384 - len, "%s%s", i ? "," : "", s);
		free(s);
	}
	snprintf(text + len, 16384 - len, "]}");
	write_file(ppath, text);
	free(text);
	if (r->members_json) {
		write_file(mpath, r->members_json);
	} else {
		members_json(r, members, sizeof(members));
		write_file(mpath, members);
	}
	if (mfa_ca_model_load_files(&m, ppath, mpath, &err) < 0)
		fail_msg("%s: %s", r->title, err.msg);
	return m;
}

static void check(const struct row *r, const struct mfa_ca_model *m, const char *how)
{
	struct mfa_user u;
	struct mfa_coverage c;

	mfa_user_init(&u);
	u.id = r->user.id;
	u.upn = r->user.upn;
	u.user_type = r->user.type;
	mfa_coverage_evaluate(m, &u, &c);
	if (c.verdict != r->want)
		fail_msg("%s (%s): verdict %s, want %s (reason '%s', policies '%s')", r->title, how,
			 mfa_coverage_name(c.verdict), mfa_coverage_name(r->want), c.reason, c.policies);
	if (c.gaps != r->gaps)
		fail_msg("%s (%s): gaps 0x%x, want 0x%x", r->title, how, c.gaps, r->gaps);
	if (r->policies && strcmp(c.policies, r->policies) != 0)
		fail_msg("%s (%s): policies '%s', want '%s'", r->title, how, c.policies, r->policies);
	if (r->reason_has && !strstr(c.reason, r->reason_has))
		fail_msg("%s (%s): reason '%s' lacks '%s'", r->title, how, c.reason, r->reason_has);
	if (r->want == MFA_COVERAGE_COVERED || r->want == MFA_COVERAGE_NOT_COVERED ||
	    r->want == MFA_COVERAGE_SECURITY_DEFAULTS)
		assert_string_equal(c.reason, "");
}

static void test_rows(void **state)
{
	char dir[] = "/tmp/test_coverage.XXXXXX";
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct mfa_ca_model *m;

		if (!r->members_json) {
			m = build_live(r);
			check(r, m, "builders");
			mfa_ca_model_free(m);
		}
		if (!r->not_read) {
			m = build_files(r, dir);
			check(r, m, "files");
			mfa_ca_model_free(m);
		}
	}
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/policies.json", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/members.json", dir);
		unlink(p);
		rmdir(dir);
	}
}

/* ---- the rest of the API ---- */

static void test_names(void **state)
{
	int v;

	(void)state;
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_COVERED), "covered");
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_PARTIAL), "partial");
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_REPORT_ONLY), "report-only");
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_SECURITY_DEFAULTS), "security-defaults");
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_NOT_COVERED), "not-covered");
	assert_string_equal(mfa_coverage_name(MFA_COVERAGE_UNKNOWN), "unknown");
	assert_string_equal(mfa_coverage_name((enum mfa_coverage_verdict)99), "unknown");
	for (v = 0; v < MFA_COVERAGE__COUNT; v++)
		assert_int_equal(mfa_coverage_parse(mfa_coverage_name((enum mfa_coverage_verdict)v)), v);
	assert_int_equal(mfa_coverage_parse("Report-Only"), MFA_COVERAGE_REPORT_ONLY);
	assert_int_equal(mfa_coverage_parse("coverd"), -1);
	assert_int_equal(mfa_coverage_parse(NULL), -1);
}

static void test_null_model(void **state)
{
	struct mfa_user u;
	struct mfa_coverage c;

	(void)state;
	mfa_user_init(&u);
	u.id = ALICE;
	mfa_coverage_evaluate(NULL, &u, &c);
	assert_int_equal(c.verdict, MFA_COVERAGE_UNKNOWN);
	assert_int_equal(mfa_ca_model_policy_count(NULL), 0);
	assert_int_equal(mfa_ca_model_group_count(NULL), 0);
	mfa_ca_model_free(NULL);
}

static void test_gaps_format(void **state)
{
	char buf[200], small[12];

	(void)state;
	assert_int_equal(mfa_coverage_gaps_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	mfa_coverage_gaps_format(MFA_GAP_OR | MFA_GAP_APPS | MFA_GAP_PLATFORMS, buf, sizeof(buf));
	assert_string_equal(buf, "only some apps, platforms, mfa OR another control");
	/* truncated, NUL-terminated, and the full length reported */
	assert_int_equal(mfa_coverage_gaps_format(MFA_GAP_APPS | MFA_GAP_DEVICES, small, sizeof(small)),
			 strlen("only some apps, device filter"));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static struct mfa_ca_model *model_with(const char *const *policies, size_t n)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_err err = MFA_ERR_INIT;
	size_t i;

	assert_non_null(m);
	for (i = 0; i < n; i++) {
		cJSON *j = cJSON_Parse(policies[i]);

		assert_non_null(j);
		if (mfa_ca_model_add_policy_json(m, j, &err) < 0)
			fail_msg("policy %zu: %s", i, err.msg);
		cJSON_Delete(j);
	}
	mfa_ca_model_mark_policies_read(m);
	return m;
}

/* What the live path must fetch: groups and roles of the policies that
 * count, in the order named, each once; not those of a disabled policy. */
static void test_named_sets(void **state)
{
	static const char *const pols[] = {
		"{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeGroups\":[\"G1\",\"G2\"],"
		"\"excludeGroups\":[\"G3\"],\"includeRoles\":[\"R1\"]},\"applications\":{\"includeApplications\":[\"All\"]}},"
		"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}",
		"{\"id\":\"2\",\"state\":\"disabled\",\"conditions\":{\"users\":{\"includeGroups\":[\"G8\"],"
		"\"excludeRoles\":[\"R8\"]},\"applications\":{\"includeApplications\":[\"All\"]}},"
		"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}",
		"{\"id\":\"3\",\"state\":\"enabledForReportingButNotEnforced\",\"conditions\":{\"users\":{"
		"\"includeGroups\":[\"g1\"],\"excludeGroups\":[\"G4\"],\"excludeRoles\":[\"R2\"]},"
		"\"applications\":{\"includeApplications\":[\"All\"]}},"
		"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}",
		/* blocks: nothing to fetch for coverage */
		"{\"id\":\"4\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeGroups\":[\"G9\"]},"
		"\"applications\":{\"includeApplications\":[\"All\"]}},"
		"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"block\"]}}",
	};
	struct mfa_ca_model *m = model_with(pols, 4);

	(void)state;
	assert_int_equal(mfa_ca_model_policy_count(m), 4);
	assert_int_equal(mfa_ca_model_group_count(m), 4);
	assert_string_equal(mfa_ca_model_group_id(m, 0), "G1");
	assert_string_equal(mfa_ca_model_group_id(m, 1), "G2");
	assert_string_equal(mfa_ca_model_group_id(m, 2), "G3");
	assert_string_equal(mfa_ca_model_group_id(m, 3), "G4");
	assert_int_equal(mfa_ca_model_role_count(m), 2);
	assert_string_equal(mfa_ca_model_role_id(m, 0), "R1");
	assert_string_equal(mfa_ca_model_role_id(m, 1), "R2");
	assert_true(mfa_ca_model_memory(m) > 0);
	mfa_ca_model_free(m);
}

/* The pure builder (no JSON): what the parser hands the model. */
static void test_add_policy_struct(void **state)
{
	static const char *const groups[] = { "G1", "", "g1" };
	static const char *const excluded[] = { "u-2" };
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_ca_policy p;
	struct mfa_user u;
	struct mfa_coverage c;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.name = "All users";
	p.state = MFA_CA_POLICY_ENABLED;
	p.requires_mfa = true;
	p.targets_apps = true;
	p.include_all = true;
	p.exclude_users.v = excluded;
	p.exclude_users.n = 1;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), 0);
	/* disabled: counted, names nothing */
	memset(&p, 0, sizeof(p));
	p.state = MFA_CA_POLICY_DISABLED;
	p.requires_mfa = p.targets_apps = true;
	p.include_groups.v = groups;
	p.include_groups.n = 3;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), 0);
	assert_int_equal(mfa_ca_model_group_count(m), 0);
	/* report-only over a group: named once, first spelling, "" skipped */
	p.state = MFA_CA_POLICY_REPORT_ONLY;
	p.name = NULL;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), 0);
	assert_int_equal(mfa_ca_model_group_count(m), 1);
	assert_string_equal(mfa_ca_model_group_id(m, 0), "G1");
	assert_int_equal(mfa_ca_model_policy_count(m), 3);
	p.state = (enum mfa_ca_policy_state)7;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), -1);
	assert_int_equal(mfa_ca_model_add_policy(NULL, &p, &err), -1);
	mfa_ca_model_mark_policies_read(m);

	mfa_user_init(&u);
	u.id = "u-1";
	u.user_type = MFA_USER_TYPE_MEMBER;
	mfa_coverage_evaluate(m, &u, &c);
	assert_int_equal(c.verdict, MFA_COVERAGE_COVERED);
	assert_string_equal(c.policies, "All users");
	u.id = "U-2";
	mfa_coverage_evaluate(m, &u, &c);
	/* excluded from the enabled one; the report-only one's group was not read */
	assert_int_equal(c.verdict, MFA_COVERAGE_UNKNOWN);
	mfa_ca_model_free(m);
}

/* The policy names that do not fit are counted, not cut mid-name. */
static void test_policies_truncated(void **state)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_user u;
	struct mfa_coverage c;
	char name[100], json[400];
	unsigned i, shown = 0;
	const char *p;

	(void)state;
	for (i = 0; i < 40; i++) {
		cJSON *j;

		snprintf(name, sizeof(name), "Require MFA number %02u for everyone, a long policy name", i);
		snprintf(json, sizeof(json),
			 "{\"id\":\"p%u\",\"displayName\":\"%s\",\"state\":\"enabled\",\"conditions\":{\"users\":"
			 "{\"includeUsers\":[\"All\"]},\"applications\":{\"includeApplications\":[\"All\"]}},"
			 "\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}",
			 i, name);
		j = cJSON_Parse(json);
		assert_non_null(j);
		assert_int_equal(mfa_ca_model_add_policy_json(m, j, &err), 0);
		cJSON_Delete(j);
	}
	mfa_ca_model_mark_policies_read(m);
	mfa_user_init(&u);
	u.id = ALICE;
	mfa_coverage_evaluate(m, &u, &c);
	assert_int_equal(c.verdict, MFA_COVERAGE_COVERED);
	assert_int_equal(c.npolicies, 40);
	assert_true(strlen(c.policies) < sizeof(c.policies));
	for (p = c.policies; (p = strstr(p, "Require MFA number")) != NULL; p++)
		shown++;
	assert_true(shown > 0 && shown < 40);
	snprintf(name, sizeof(name), ";+%u more", 40 - shown);
	assert_non_null(strstr(c.policies, name));
	assert_string_equal(c.policies + strlen(c.policies) - strlen(name), name);
	mfa_ca_model_free(m);
}

/* Wrong shapes are refused with the field's path. */
static void test_bad_policies(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} bad[] = {
		{ "[]", "expected a policy object" },
		{ "{\"id\":\"1\",\"conditions\":{}}", "state: missing" },
		{ "{\"id\":\"1\",\"state\":\"on\",\"conditions\":{}}", "state: unknown state 'on'" },
		{ "{\"id\":\"1\",\"state\":\"enabled\"}", "conditions: missing" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"applications\":{}}}", "conditions.users: missing" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeGroups\":\"G1\"},"
		  "\"applications\":{\"includeApplications\":[\"All\"]}}}",
		  "conditions.users.includeGroups: expected an array of strings" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\",3]},"
		  "\"applications\":{\"includeApplications\":[\"All\"]}}}",
		  "conditions.users.includeUsers[1]: expected a string" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]}}}",
		  "conditions.applications: missing" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]},"
		  "\"applications\":{\"includeApplications\":[\"All\"]}},\"grantControls\":{\"operator\":\"XOR\","
		  "\"builtInControls\":[\"mfa\"]}}",
		  "grantControls.operator: unknown operator 'XOR'" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]},"
		  "\"applications\":{\"includeApplications\":[\"All\"]},\"locations\":[]}}",
		  "conditions.locations: expected an object" },
		{ "{\"id\":\"1\",\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"],"
		  "\"includeGuestsOrExternalUsers\":{\"guestOrExternalUserTypes\":7}},"
		  "\"applications\":{\"includeApplications\":[\"All\"]}}}",
		  "conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes: expected a string" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mfa_ca_model *m = mfa_ca_model_new();
		struct mfa_err err = MFA_ERR_INIT;
		cJSON *j = cJSON_Parse(bad[i].json);

		assert_non_null(j);
		assert_int_equal(mfa_ca_model_add_policy_json(m, j, &err), -1);
		if (strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, err.msg, bad[i].msg);
		assert_int_equal(mfa_ca_model_policy_count(m), 0);
		cJSON_Delete(j);
		mfa_ca_model_free(m);
	}
}

/* A tenant-sized membership stays within a few dozen bytes each. */
static void test_memory(void **state)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	char id[48];
	unsigned i;
	size_t bytes;

	(void)state;
	for (i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012u", i, i);
		assert_int_equal(mfa_ca_model_add_group_member(m, "all-staff", id), 0);
		if (i % 10 == 0)
			assert_int_equal(mfa_ca_model_add_role_member(m, GA, id), 0);
	}
	/* again: no duplicates */
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012u", i, i);
		assert_int_equal(mfa_ca_model_add_group_member(m, "ALL-STAFF", id), 0);
	}
	bytes = mfa_ca_model_memory(m);
	/* 110,000 memberships of 100,000 users with 36-character ids */
	if (bytes > 110000u * 120u)
		fail_msg("%zu bytes for 110000 memberships", bytes);
	mfa_ca_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_null_model),
		cmocka_unit_test(test_gaps_format),
		cmocka_unit_test(test_named_sets),
		cmocka_unit_test(test_add_policy_struct),
		cmocka_unit_test(test_policies_truncated),
		cmocka_unit_test(test_bad_policies),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
