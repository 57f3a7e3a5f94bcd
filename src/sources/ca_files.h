/* sources/ca_files.h - a Conditional Access model (mfa/model/coverage.h)
 * from files: --ca-policies and --ca-members.
 *
 * ---------------------------------------------------------------------------
 * The policies file (--ca-policies)
 *
 *   What Graph returns for GET /v1.0/identity/conditionalAccess/policies:
 *   {"value":[ <conditionalAccessPolicy>, ... ]}, every page's policies in
 *   the one `value` list; a bare array [ <policy>, ... ] is accepted too.
 *
 * The members file (--ca-members)
 *
 *   {
 *     "groups": {
 *       "<group object id>": { "value": [
 *           {"@odata.type": "#microsoft.graph.user",  "id": "<user id>",
 *            "userPrincipalName": "a@contoso.com"},
 *           {"@odata.type": "#microsoft.graph.group", "id": "<group id>"} ] },
 *       ...
 *     },
 *     "roles": {
 *       "<role template id>": { "value": [ ...same member objects... ] },
 *       ...
 *     },
 *     "users": { "value": [ {"id": "<user id>", "userPrincipalName": "..."} ] },
 *     "securityDefaults": { "isEnabled": false }
 *   }
 *
 *   - Each inner object is exactly what Graph returns for
 *     GET /v1.0/groups/{id}/transitiveMembers (or /members) and
 *     GET /v1.0/directoryRoles(roleTemplateId='{id}')/members, pasted as is
 *     (extra properties such as "@odata.context" are ignored). A list that
 *     Graph paged must be given whole: an "@odata.nextLink" is refused.
 *     Instead of {"value":[...]}, a bare array is accepted, and a member may
 *     be a plain string (the user's object id).
 *   - Groups and roles are keyed by the ids the policies name: group object
 *     ids (includeGroups / excludeGroups) and role *template* ids
 *     (includeRoles / excludeRoles, e.g. Global Administrator
 *     62e90394-69f5-4237-9190-012177145e10).
 *   - A member whose "@odata.type" is "#microsoft.graph.group" is expanded
 *     with that group's own entry in "groups" when there is one (nested
 *     groups, at any depth, cycles ignored); without an entry it is taken as
 *     already expanded, as a transitiveMembers list is. So both Graph's
 *     /members (with every nested group listed too) and /transitiveMembers
 *     work. Role members that are (role-assignable) groups are expanded the
 *     same way. Members of any other type (devices, service principals,
 *     contacts) are ignored; a member without "@odata.type" is a user.
 *   - "userPrincipalName", when present, lets users be matched that the
 *     user input knows by UPN only (exports without object ids). "users"
 *     (optional) is GET /v1.0/users?$select=id,userPrincipalName, for the
 *     same purpose: the UPNs of users that policies name by id but that are
 *     in no group or role. A user known by UPN alone is matched against a
 *     list of ids, a group or a role only when every user in it has a known
 *     UPN; otherwise its verdict is unknown where it matters.
 *   - "securityDefaults" is what GET /v1.0/policies/
 *     identitySecurityDefaultsEnforcementPolicy returns (only "isEnabled" is
 *     read). Absent: security defaults are off.
 *   - A group or role that a policy names but the file does not list is
 *     "not read": users whose verdict depends on it are `unknown` (an empty
 *     group is listed as {"value": []}).
 */
#ifndef MFA_SOURCES_CA_FILES_H
#define MFA_SOURCES_CA_FILES_H

#include "mfa/model/coverage.h"
#include "mfa/util/err.h"

/* Builds a model from a policies file and a members file (formats at the top)
 * into *out, and marks the policies read. members_path may be NULL: no
 * memberships, security defaults off. On failure *out is NULL and err names
 * the file and the JSON path ("'ca-members.json': groups.<id>.value[3].id:
 * expected a string"). Files above 1 GiB are refused. */
int mfa_ca_model_load_files(struct mfa_ca_model **out, const char *policies_path,
			    const char *members_path, struct mfa_err *err);

#endif
