/* classify.c - class and findings of a user (mfa/classify.h). Pure. */
#include "mfa/model/classify.h"
#include "mfa/model/whatif.h"
#include "mfa/model/signins.h"

#include "mfa/util/isotime.h"

#include <stdlib.h>
#include <string.h>

struct finding_info {
	const char *name;
	enum mfa_severity severity;
	const char *advice;
};

static const struct finding_info findings[MFA_FINDING__COUNT] = {
	[MFA_FINDING_ADMIN_NOT_REGISTERED] = { "admin-not-registered", MFA_SEV_HIGH,
		"An administrator with no MFA method registered: register one (or issue a Temporary Access Pass) before per-user MFA is turned off." },
	[MFA_FINDING_STATE_UNKNOWN] = { "state-unknown", MFA_SEV_HIGH,
		"The per-user MFA state could not be read: the user is held; rerun the scan or check the export." },
	[MFA_FINDING_ENFORCED_NOT_REGISTERED] = { "enforced-not-registered", MFA_SEV_MEDIUM,
		"Enforced but no method registered: the user is asked to register at next sign-in; once disabled only a Conditional Access registration policy will ask." },
	[MFA_FINDING_ENABLED_NOT_REGISTERED] = { "enabled-not-registered", MFA_SEV_MEDIUM,
		"Enabled and still pending registration: disabling removes the registration prompt, so a Conditional Access registration policy (or registration campaign) must take over." },
	[MFA_FINDING_STATE_AMBIGUOUS] = { "state-ambiguous", MFA_SEV_MEDIUM,
		"The export cannot tell enabled from enforced: the exact state is read again, live, before any change." },
	[MFA_FINDING_APP_PASSWORDS_POSSIBLE] = { "app-passwords-possible", MFA_SEV_MEDIUM,
		"Enforced users may sign in to legacy clients with app passwords; those stop once per-user MFA is off or legacy authentication is blocked." },
	[MFA_FINDING_ENABLED_REGISTERED] = { "stuck-enabled", MFA_SEV_LOW,
		"Registered but still enabled (not enforced), as happens when per-user MFA is re-enabled: disabling is safe once Conditional Access requires MFA; a rollback can only bring them back as enforced (Graph enforces registered users set to enabled)." },
	[MFA_FINDING_REGISTRATION_UNKNOWN] = { "registration-unknown", MFA_SEV_LOW,
		"No registration data for this user: join a registration export (--registration) to know whether the user can do MFA." },
	[MFA_FINDING_GUEST] = { "guest", MFA_SEV_INFO,
		"A guest (B2B) account: Conditional Access for guests and external users must cover it." },
	[MFA_FINDING_SIGN_IN_BLOCKED] = { "sign-in-blocked", MFA_SEV_INFO,
		"Sign-in is blocked for this account." },
	[MFA_FINDING_EXCLUDED] = { "excluded", MFA_SEV_INFO,
		"On the --exclude list (for example a break-glass account): never changed." },
	[MFA_FINDING_NOT_COVERED] = { "not-covered", MFA_SEV_HIGH,
		"No Conditional Access policy (nor security defaults) requires MFA of this user: once per-user MFA is off, nothing asks for a second factor." },
	[MFA_FINDING_PARTIAL_COVERAGE] = { "partial-coverage", MFA_SEV_MEDIUM,
		"Conditional Access requires MFA of this user for part of the sign-ins only (see caCoverage's reason): the rest go without MFA once per-user MFA is off." },
	[MFA_FINDING_REPORT_ONLY_COVERAGE] = { "report-only-coverage", MFA_SEV_MEDIUM,
		"Only report-only Conditional Access policies would require MFA of this user: they enforce nothing until switched on." },
	[MFA_FINDING_DUPLICATE_USER] = { "duplicate-user", MFA_SEV_MEDIUM,
		"The export lists this user more than once (the same id, or the UPN in another case): only the first row was used and the later ones were refused as bad rows; check which row is right and export again." },
	[MFA_FINDING_SMS_VOICE_ONLY] = { "sms-voice-only", MFA_SEV_MEDIUM,
		"Only phone methods (SMS or voice) are registered for MFA: Microsoft stops SMS and voice as MFA methods on 1 February 2027, and from then on this user cannot do MFA until they register a passkey or the Microsoft Authenticator app: have them register one now (a registration campaign, or a Temporary Access Pass to bootstrap it)." },
	[MFA_FINDING_STALE_ACCOUNT] = { "stale-account", MFA_SEV_LOW,
		"No sign-in, interactive or not, for longer than --stale-days (or none ever recorded: signInActivity empty, which a new account also shows): check whether the account is still needed before changing its MFA; disable or remove it if not." },
	[MFA_FINDING_SHARED_MAILBOX] = { "shared-mailbox", MFA_SEV_INFO,
		"A shared, room or equipment mailbox: nobody should sign in to it; block its sign-in rather than manage its MFA." },
	[MFA_FINDING_COVERAGE_DISAGREES] = { "coverage-disagrees", MFA_SEV_HIGH,
		"Microsoft's own evidence (What If or the sign-in logs) disagrees with this report's Conditional Access verdict: check the policies that apply to this user before switching per-user MFA off." },
	[MFA_FINDING_MFA_ONLY_FROM_PER_USER] = { "mfa-only-from-per-user", MFA_SEV_HIGH,
		"Sign-ins in the window got MFA only from per-user MFA: once it is off, those sign-ins go without MFA unless Conditional Access covers them." },
	[MFA_FINDING_STILL_PROMPTED_PER_USER] = { "still-prompted-by-per-user-mfa", MFA_SEV_HIGH,
		"Per-user MFA required MFA at this user's newest sign-in that required MFA: per-user MFA is still acting and the migration is not finished for this user (its state is not disabled, or was set back)." },
	[MFA_FINDING_LEGACY_CLIENT_SIGN_INS] = { "legacy-client-sign-ins", MFA_SEV_MEDIUM,
		"Sign-ins from legacy clients (Exchange ActiveSync, IMAP, POP, SMTP, older Office): they cannot do MFA and may use app passwords; block legacy authentication with Conditional Access." },
};

static const char *const sev_names[MFA_SEV__COUNT] = {
	"none", "info", "low", "medium", "high",
};

static const char *const reg_names[MFA_REG__COUNT] = {
	[MFA_REG_UNKNOWN] = "unknown",
	[MFA_REG_NOT_REGISTERED] = "not-registered",
	[MFA_REG_REGISTERED] = "registered",
};

/* state x registration, in the order of the enums. */
static const char *const class_names[MFA_STATE__COUNT][MFA_REG__COUNT] = {
	[MFA_STATE_UNKNOWN] = { "unknown-unknown", "unknown-not-registered", "unknown-registered" },
	[MFA_STATE_DISABLED] = { "disabled-unknown", "disabled-not-registered", "disabled-registered" },
	[MFA_STATE_ENABLED] = { "enabled-unknown", "enabled-not-registered", "enabled-registered" },
	[MFA_STATE_ENFORCED] = { "enforced-unknown", "enforced-not-registered", "enforced-registered" },
	[MFA_STATE_AMBIGUOUS] = { "enabled-or-enforced-unknown", "enabled-or-enforced-not-registered",
				  "enabled-or-enforced-registered" },
};

enum mfa_reg_status mfa_reg_status_of(const struct mfa_user *u)
{
	if (u->reg.registered == MFA_TRI_YES)
		return MFA_REG_REGISTERED;
	if (u->reg.registered == MFA_TRI_NO)
		return MFA_REG_NOT_REGISTERED;
	/* No explicit flag, but a strong method on record is registration. */
	if (u->reg.methods & MFA_METHODS_STRONG)
		return MFA_REG_REGISTERED;
	return MFA_REG_UNKNOWN;
}

/* sms-voice-only: every MFA method registered is a phone (mobile: SMS and
 * voice; alternate mobile and office: voice). Email, security questions
 * and a Temporary Access Pass are no MFA methods (MFA_METHODS_STRONG), so
 * phone + email still counts; no methods at all does not, nor does a
 * method name the tool does not know (other_methods): it may be one that
 * outlives the phone. */
#define METHODS_PHONE ((1u << MFA_METHOD_MOBILE_PHONE) | (1u << MFA_METHOD_ALTERNATE_MOBILE_PHONE) | \
		       (1u << MFA_METHOD_OFFICE_PHONE))

static bool phone_only(const struct mfa_registration *r)
{
	uint32_t mfa = r->methods & MFA_METHODS_STRONG;

	return mfa && !(mfa & ~METHODS_PHONE) && !(r->other_methods && r->other_methods[0]);
}

enum mfa_severity mfa_finding_severity_at(enum mfa_finding f, time_t now)
{
	if (f == MFA_FINDING_SMS_VOICE_ONLY && now >= MFA_SMS_VOICE_END)
		return MFA_SEV_HIGH;
	return mfa_finding_severity(f);
}

static bool is_excluded(const struct mfa_classify_options *opts, const struct mfa_user *u)
{
	if (!opts || !opts->exclude)
		return false;
	return (u->id && mfa_idset_contains(opts->exclude, u->id)) ||
	       (u->upn && mfa_idset_contains(opts->exclude, u->upn));
}

/* ---- account types (--sign-in-activity, --mailbox-purpose) ---------- */

/* Seconds since the epoch of an ISO 8601 UTC time as Graph writes it
 * ("2026-11-30T08:15:00Z", fractions ignored); -1 when it is not one. */
/* Stale: signInActivity was read (last_sign_in not NULL; "" is Graph's
 * null, no sign-in ever recorded) and neither the interactive nor the
 * non-interactive sign-in is newer than now - stale_days. Not read is
 * never stale. A time that cannot be read counts as a sign-in (never
 * stale on a guess). */
static bool is_stale(const struct mfa_classify_options *o, const struct mfa_user *u)
{
	const char *t[2] = { u->last_sign_in, u->last_non_interactive_sign_in };
	long long cut;
	int i;

	if (!o || !u->last_sign_in || !o->now)
		return false;
	cut = (long long)o->now - (long long)(o->stale_days ? o->stale_days : 90) * 86400;
	for (i = 0; i < 2; i++) {
		time_t at;

		if (!t[i] || !*t[i])
			continue;
		if (mfa_isotime_parse(t[i], &at) < 0 || (long long)at > cut)
			return false;
	}
	return true;
}

/* mailboxSettings.userPurpose: shared, room and equipment mailboxes. */
static bool is_shared_mailbox(const struct mfa_user *u)
{
	const char *p = u->mailbox_purpose;

	return p && (strcmp(p, "shared") == 0 || strcmp(p, "room") == 0 || strcmp(p, "equipment") == 0);
}

void mfa_classify(const struct mfa_classify_options *opts, const struct mfa_user *u,
		  struct mfa_verdict *out)
{
	enum mfa_reg_status reg = mfa_reg_status_of(u);
	enum mfa_state st = u->state;
	bool on = st == MFA_STATE_ENABLED || st == MFA_STATE_ENFORCED || st == MFA_STATE_AMBIGUOUS;
	uint32_t f = 0;
	int i;

	if ((unsigned)st >= MFA_STATE__COUNT)
		st = MFA_STATE_UNKNOWN;
	if (u->is_admin == MFA_TRI_YES && reg == MFA_REG_NOT_REGISTERED)
		f |= 1u << MFA_FINDING_ADMIN_NOT_REGISTERED;
	if (st == MFA_STATE_UNKNOWN)
		f |= 1u << MFA_FINDING_STATE_UNKNOWN;
	if (st == MFA_STATE_ENFORCED && reg == MFA_REG_NOT_REGISTERED)
		f |= 1u << MFA_FINDING_ENFORCED_NOT_REGISTERED;
	/* An ambiguous state without registration is pending registration
	 * either way: enforced users who registered show as registered. */
	if ((st == MFA_STATE_ENABLED || st == MFA_STATE_AMBIGUOUS) && reg == MFA_REG_NOT_REGISTERED)
		f |= 1u << MFA_FINDING_ENABLED_NOT_REGISTERED;
	if (st == MFA_STATE_AMBIGUOUS)
		f |= 1u << MFA_FINDING_STATE_AMBIGUOUS;
	if (st == MFA_STATE_ENFORCED || st == MFA_STATE_AMBIGUOUS)
		f |= 1u << MFA_FINDING_APP_PASSWORDS_POSSIBLE;
	if (st == MFA_STATE_ENABLED && reg == MFA_REG_REGISTERED)
		f |= 1u << MFA_FINDING_ENABLED_REGISTERED;
	/* Registration matters where a change is coming or an admin sits. */
	if (reg == MFA_REG_UNKNOWN && (on || u->is_admin == MFA_TRI_YES))
		f |= 1u << MFA_FINDING_REGISTRATION_UNKNOWN;
	if (u->user_type == MFA_USER_TYPE_GUEST)
		f |= 1u << MFA_FINDING_GUEST;
	if (u->account_enabled == MFA_TRI_NO)
		f |= 1u << MFA_FINDING_SIGN_IN_BLOCKED;
	if (is_excluded(opts, u))
		f |= 1u << MFA_FINDING_EXCLUDED;
	if (u->duplicate)
		f |= 1u << MFA_FINDING_DUPLICATE_USER;
	if (phone_only(&u->reg))
		f |= 1u << MFA_FINDING_SMS_VOICE_ONLY;
	if (is_stale(opts, u))
		f |= 1u << MFA_FINDING_STALE_ACCOUNT;
	if (is_shared_mailbox(u))
		f |= 1u << MFA_FINDING_SHARED_MAILBOX;

	out->coverage_checked = opts && opts->ca;
	if (out->coverage_checked) {
		mfa_coverage_evaluate(opts->ca, u, &out->coverage);
		if (out->coverage.verdict == MFA_COVERAGE_NOT_COVERED)
			f |= 1u << MFA_FINDING_NOT_COVERED;
		else if (out->coverage.verdict == MFA_COVERAGE_PARTIAL)
			f |= 1u << MFA_FINDING_PARTIAL_COVERAGE;
		else if (out->coverage.verdict == MFA_COVERAGE_REPORT_ONLY)
			f |= 1u << MFA_FINDING_REPORT_ONLY_COVERAGE;
	} else {
		memset(&out->coverage, 0, sizeof(out->coverage));
		out->coverage.verdict = MFA_COVERAGE_UNKNOWN;
	}
	/* What If (mfa/model/whatif.h): Microsoft's evaluator disagrees */
	if (mfa_whatif_disagrees(u->what_if))
		f |= 1u << MFA_FINDING_COVERAGE_DISAGREES;
	/* the sign-in logs (audit --sign-ins; mfa/model/signins.h) */
	if (mfa_signin_only_per_user(u->signins)) {
		f |= 1u << MFA_FINDING_MFA_ONLY_FROM_PER_USER;
		/* the policies say covered, yet per-user MFA alone asked */
		if (out->coverage_checked && out->coverage.verdict == MFA_COVERAGE_COVERED)
			f |= 1u << MFA_FINDING_COVERAGE_DISAGREES;
	}
	if (mfa_signin_still_prompted(u->signins))
		f |= 1u << MFA_FINDING_STILL_PROMPTED_PER_USER;
	if (mfa_signin_legacy(u->signins))
		f |= 1u << MFA_FINDING_LEGACY_CLIENT_SIGN_INS;

	out->state = st;
	out->reg = reg;
	out->findings = f;
	out->judged_at = opts ? opts->now : 0;
	out->risk = MFA_SEV_NONE;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		enum mfa_severity sev = mfa_finding_severity_at((enum mfa_finding)i, opts ? opts->now : 0);

		if ((f & (1u << i)) && sev > out->risk)
			out->risk = sev;
	}
}

const char *mfa_class_name(enum mfa_state s, enum mfa_reg_status r)
{
	if ((unsigned)s >= MFA_STATE__COUNT)
		s = MFA_STATE_UNKNOWN;
	if ((unsigned)r >= MFA_REG__COUNT)
		r = MFA_REG_UNKNOWN;
	return class_names[s][r];
}

const char *mfa_reg_status_name(enum mfa_reg_status r)
{
	return (unsigned)r < MFA_REG__COUNT ? reg_names[r] : "unknown";
}

const char *mfa_finding_name(enum mfa_finding f)
{
	return (unsigned)f < MFA_FINDING__COUNT ? findings[f].name : NULL;
}

const char *mfa_finding_advice(enum mfa_finding f)
{
	return (unsigned)f < MFA_FINDING__COUNT ? findings[f].advice : NULL;
}

enum mfa_severity mfa_finding_severity(enum mfa_finding f)
{
	return (unsigned)f < MFA_FINDING__COUNT ? findings[f].severity : MFA_SEV_NONE;
}

int mfa_finding_parse(const char *name)
{
	int i;

	for (i = 0; name && i < MFA_FINDING__COUNT; i++) {
		if (strcmp(name, findings[i].name) == 0)
			return i;
	}
	return -1;
}

const char *mfa_severity_name(enum mfa_severity s)
{
	return (unsigned)s < MFA_SEV__COUNT ? sev_names[s] : "none";
}
