/* posture.c - the tenant's posture as notes, and Entra's recommendation
 * compared with our count (mfa/model/posture.h). */
#include "mfa/model/posture.h"

#include "mfa/model/idset.h"
#include "mfa/model/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LEGACY_PORTAL "https://account.activedirectory.windowsazure.com/usermanagement/mfasettings.aspx"

struct mfa_posture *mfa_posture_new(void)
{
	struct mfa_posture *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->campaign_targets = -1;
	p->snooze_days = -1;
	return p;
}

void mfa_posture_free(struct mfa_posture *p)
{
	if (!p)
		return;
	mfa_idset_free(p->impacted);
	free(p);
}

void mfa_posture_set_read(enum mfa_posture_read *field, char *why_buf, size_t why_size,
			  enum mfa_posture_read how, const char *why)
{
	*field = how;
	if (why_buf && why_size)
		snprintf(why_buf, why_size, "%s", why ? why : "");
}

void mfa_posture_add_managed(struct mfa_posture *p, const char *name, const char *state)
{
	struct mfa_posture_managed *m;

	if (p->nmanaged >= MFA_POSTURE_MAX_MANAGED) {
		p->managed_more++;
		return;
	}
	m = &p->managed_policies[p->nmanaged++];
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	snprintf(m->state, sizeof(m->state), "%s", state ? state : "");
}

int mfa_posture_add_impacted(struct mfa_posture *p, const char *id)
{
	if (!id || !*id)
		return 0;
	if (!p->impacted && !(p->impacted = mfa_idset_new()))
		return -1;
	if (mfa_idset_contains(p->impacted, id))
		return 0;
	if (mfa_idset_add(p->impacted, id) < 0)
		return -1;
	p->rec_count++;
	return 0;
}

/* Microsoft names its managed policies "Microsoft-managed: ..." and the
 * one for per-user MFA users by its title. */
int mfa_posture_is_managed_policy(const char *name)
{
	if (!name)
		return 0;
	return strncasecmp(name, "Microsoft-managed", 17) == 0 ||
	       strstr(name, MFA_POSTURE_PER_USER_POLICY) != NULL;
}

static void list_add(struct mfa_posture_idlist *l, const char *id)
{
	if (l->kept < MFA_POSTURE_LIST_MAX)
		snprintf(l->ids[l->kept++], sizeof(l->ids[0]), "%s", id);
	l->count++;
}

int mfa_posture_count_user(struct mfa_posture *p, const struct mfa_user *u, struct mfa_err *err)
{
	if (!p || !u->id || (u->state != MFA_STATE_ENABLED && u->state != MFA_STATE_ENFORCED))
		return 0;
	p->ours++;
	if (p->recommendation != MFA_POSTURE_READ)
		return 0;
	if (!mfa_idset_contains(p->impacted, u->id))
		list_add(&p->only_ours, u->id);
	else if (mfa_idset_note(p->impacted, u->id) < 0)
		return mfa_err_set(err, "out of memory comparing Entra's recommendation");
	return 0;
}

void mfa_posture_compare_done(struct mfa_posture *p, int complete)
{
	const char *id;
	size_t i;

	if (!p || p->compared)
		return;
	p->compared = 1;
	p->incomplete = !complete;
	if (p->recommendation != MFA_POSTURE_READ || !p->impacted || !complete)
		return;
	for (i = mfa_idset_next_unseen(p->impacted, 0, &id); i != (size_t)-1;
	     i = mfa_idset_next_unseen(p->impacted, i + 1, &id))
		list_add(&p->only_microsoft, id);
}

/* ---- notes ------------------------------------------------------------- */

static struct mfa_posture_note *note(struct mfa_posture_note *out, size_t *n, size_t max,
				     const char *key, const char *status)
{
	struct mfa_posture_note *x;

	if (*n >= max)
		return NULL;
	x = &out[(*n)++];
	memset(x, 0, sizeof(*x));
	x->key = key;
	x->status = status;
	return x;
}

/* The note of a read that did not work: "unknown (needs X)" for a 403. */
static int unread(struct mfa_posture_note *out, size_t *n, size_t max, const char *key,
		  enum mfa_posture_read how, const char *why, const char *permission,
		  const char *what)
{
	struct mfa_posture_note *x;

	if (how == MFA_POSTURE_READ)
		return 0;
	if (!(x = note(out, n, max, key, "unknown")))
		return 1;
	if (how == MFA_POSTURE_FORBIDDEN)
		snprintf(x->text, sizeof(x->text), "unknown (needs %s)", permission);
	else if (how == MFA_POSTURE_FAILED)
		snprintf(x->text, sizeof(x->text), "unknown (could not be read: %s)",
			 why && *why ? why : "no answer");
	else
		snprintf(x->text, sizeof(x->text), "unknown (not read)");
	if (how == MFA_POSTURE_NOT_READ)
		snprintf(x->meaning, sizeof(x->meaning), "%s was not checked in this run", what);
	else
		snprintf(x->meaning, sizeof(x->meaning), "%s was not checked: grant the app %s and run again",
			 what, permission);
	return 1;
}

static void licences_note(const struct mfa_posture *p, struct mfa_posture_note *out, size_t *n,
			  size_t max)
{
	struct mfa_posture_note *x;

	if (unread(out, n, max, "licences", p->licences, p->licences_why, "LicenseAssignment.Read.All",
		   "whether the tenant can use Conditional Access"))
		return;
	if (p->p1 || p->p2) {
		if (!(x = note(out, n, max, "licences", "ok")))
			return;
		snprintf(x->text, sizeof(x->text), "Entra ID %s is licensed and enabled (%s)",
			 p->p2 ? "P2" : "P1", p->p2 ? "AAD_PREMIUM_P2" : "AAD_PREMIUM");
		snprintf(x->meaning, sizeof(x->meaning),
			 "Conditional Access is available: per-user MFA can be replaced by Conditional Access policies that require MFA");
		return;
	}
	if (!(x = note(out, n, max, "licences", "attention")))
		return;
	snprintf(x->text, sizeof(x->text),
		 "no enabled Entra ID P1 or P2 service plan (AAD_PREMIUM, AAD_PREMIUM_P2)");
	snprintf(x->meaning, sizeof(x->meaning),
		 "without Entra ID P1 there is no Conditional Access: once per-user MFA is off, MFA can come only from security defaults (Microsoft's per-user MFA article says to turn security defaults on instead)");
}

static void methods_notes(const struct mfa_posture *p, struct mfa_posture_note *out, size_t *n,
			  size_t max)
{
	struct mfa_posture_note *x;
	int done;

	if (unread(out, n, max, "authentication-methods-policy", p->methods, p->methods_why,
		   "Policy.Read.AuthenticationMethod", "the authentication methods policy"))
		return;
	/* the migration from the legacy MFA and SSPR policies */
	done = strcmp(p->migration_state, "migrationComplete") == 0;
	if ((x = note(out, n, max, "methods-policy-migration", done ? "ok" : "attention"))) {
		snprintf(x->text, sizeof(x->text), "policyMigrationState is '%s'",
			 p->migration_state[0] ? p->migration_state : "not set");
		snprintf(x->meaning, sizeof(x->meaning), "%s",
			 done ? "methods are managed in the authentication methods policy alone: the legacy MFA and SSPR method settings no longer apply"
			      : "the legacy MFA and SSPR method settings still apply beside the authentication methods policy: finish the migration (set it to migrationComplete) so that switching per-user MFA off leaves one place that decides the methods");
	}
	/* the registration campaign */
	done = strcmp(p->campaign_state, "enabled") == 0;
	if ((x = note(out, n, max, "registration-campaign", done ? "ok" : "attention"))) {
		char targets[64] = "", snooze[64] = "";

		if (p->campaign_targets >= 0)
			snprintf(targets, sizeof(targets), ", %d target%s", p->campaign_targets,
				 p->campaign_targets == 1 ? "" : "s");
		if (p->snooze_days >= 0)
			snprintf(snooze, sizeof(snooze), ", snooze %d day%s", p->snooze_days,
				 p->snooze_days == 1 ? "" : "s");
		snprintf(x->text, sizeof(x->text), "the registration campaign is '%s'%s%s",
			 p->campaign_state[0] ? p->campaign_state : "not set", targets, snooze);
		snprintf(x->meaning, sizeof(x->meaning), "%s",
			 done ? "users without a strong method are nudged to register one at sign-in, with or without per-user MFA"
			      : "users pending registration are no longer prompted once per-user MFA is off: turn the registration campaign on (registrationEnforcement) or use a Conditional Access registration policy");
	}
	/* SMS and voice */
	{
		int sms = strcmp(p->sms_state, "enabled") == 0;
		int voice = strcmp(p->voice_state, "enabled") == 0;

		if ((x = note(out, n, max, "sms-voice-methods", sms || voice ? "attention" : "ok"))) {
			snprintf(x->text, sizeof(x->text), "SMS is '%s', voice is '%s'",
				 p->sms_state[0] ? p->sms_state : "not configured",
				 p->voice_state[0] ? p->voice_state : "not configured");
			snprintf(x->meaning, sizeof(x->meaning), "%s",
				 sms || voice ? "SMS and voice stop as MFA methods on 1 February 2027: users whose only methods are phone-based must register a passkey or Microsoft Authenticator first (finding sms-voice-only names them)"
					      : "no user can rely on SMS or voice for MFA: the 1 February 2027 retirement changes nothing here");
		}
	}
	/* system-preferred MFA */
	done = strcmp(p->system_preferred, "enabled") == 0 || strcmp(p->system_preferred, "default") == 0;
	if ((x = note(out, n, max, "system-preferred-mfa",
		      done ? "ok" : p->system_preferred[0] ? "attention" : "unknown"))) {
		snprintf(x->text, sizeof(x->text), "system-preferred MFA is '%s'",
			 p->system_preferred[0] ? p->system_preferred : "not set");
		snprintf(x->meaning, sizeof(x->meaning), "%s",
			 done ? "users are asked for their strongest registered method first, not SMS"
			 : !p->system_preferred[0] ? "the policy does not say (systemCredentialPreferences absent): check system-preferred MFA in the portal"
			      : "users may be asked for a weaker method (SMS, voice) first: turn system-preferred MFA on (systemCredentialPreferences)");
	}
}

static void managed_note(const struct mfa_posture *p, struct mfa_posture_note *out, size_t *n,
			 size_t max)
{
	struct mfa_posture_note *x;
	size_t i, used = 0;
	int attention = 0;

	if (unread(out, n, max, "microsoft-managed-policies", p->managed, p->managed_why,
		   "Policy.Read.All", "whether Microsoft manages a Conditional Access policy here"))
		return;
	for (i = 0; i < p->nmanaged; i++)
		if (strcmp(p->managed_policies[i].state, "enabled") != 0)
			attention = 1;
	if (!(x = note(out, n, max, "microsoft-managed-policies", attention ? "attention" : "ok")))
		return;
	if (!p->nmanaged) {
		snprintf(x->text, sizeof(x->text), "no Microsoft-managed Conditional Access policy");
		snprintf(x->meaning, sizeof(x->meaning),
			 "nothing Microsoft manages covers per-user MFA users: coverage comes from the tenant's own policies (or security defaults)");
		return;
	}
	for (i = 0; i < p->nmanaged && used < sizeof(x->text); i++) {
		int w = snprintf(x->text + used, sizeof(x->text) - used, "%s'%s' is '%s'", i ? "; " : "",
				 p->managed_policies[i].name, p->managed_policies[i].state);

		used = w < 0 ? sizeof(x->text) : used + (size_t)w;
	}
	if (p->managed_more && used < sizeof(x->text))
		snprintf(x->text + used, sizeof(x->text) - used, "; %lu more", p->managed_more);
	snprintf(x->meaning, sizeof(x->meaning),
		 "Microsoft's policy '%s' covers at most 500 users and is switched on by Microsoft at least 90 days after it appears in report-only; report-only enforces nothing, so it gives no coverage until it is on: admins may change only its state and exclusions",
		 MFA_POSTURE_PER_USER_POLICY);
}

static void legacy_note(struct mfa_posture_note *out, size_t *n, size_t max)
{
	struct mfa_posture_note *x = note(out, n, max, "legacy-mfa-settings", "unknown");

	if (!x)
		return;
	snprintf(x->text, sizeof(x->text),
		 "not exposed by Microsoft Graph: check trusted IPs, 'remember MFA on trusted devices' and app passwords in the portal (%s)",
		 LEGACY_PORTAL);
	snprintf(x->meaning, sizeof(x->meaning),
		 "they apply to per-user MFA only and stop with it: rebuild trusted IPs as named locations, 'remember MFA' as a sign-in frequency control, and block legacy authentication where app passwords are in use");
}

static void recommendation_note(const struct mfa_posture *p, struct mfa_posture_note *out,
				size_t *n, size_t max)
{
	struct mfa_posture_note *x;
	int differ;

	if (unread(out, n, max, "switch-from-per-user-mfa", p->recommendation, p->rec_why,
		   "DirectoryRecommendations.Read.All", "Entra's switchFromPerUserMFA recommendation"))
		return;
	differ = p->only_ours.count || p->only_microsoft.count;
	if (!p->rec_found) {
		if (!(x = note(out, n, max, "switch-from-per-user-mfa", "ok")))
			return;
		snprintf(x->text, sizeof(x->text),
			 "Entra raises no switchFromPerUserMFA recommendation; %lu users have per-user MFA enabled or enforced",
			 p->ours);
		snprintf(x->meaning, sizeof(x->meaning),
			 "Entra raises it when at least 5%% of users have per-user MFA and Conditional Access is in use, and clears it after the migration");
		return;
	}
	if (!(x = note(out, n, max, "switch-from-per-user-mfa", differ ? "attention" : "ok")))
		return;
	snprintf(x->text, sizeof(x->text),
		 "Entra's switchFromPerUserMFA recommendation is '%s': Microsoft counts %lu users, this run %lu with per-user MFA enabled or enforced; %lu only Microsoft counts, %lu only this run counts",
		 p->rec_status[0] ? p->rec_status : "unknown", p->rec_count, p->ours,
		 p->only_microsoft.count, p->only_ours.count);
	if (p->incomplete) {
		snprintf(x->meaning, sizeof(x->meaning),
			 "the run was interrupted: this run's count covers only the users it scanned, and the users only Microsoft counts are not listed");
		return;
	}
	snprintf(x->meaning, sizeof(x->meaning), "%s",
		 differ ? "Microsoft's list and this run's disagree: the users either side counts alone are listed; a user changed since Entra last refreshed its list, or a state this run could not read, explains most differences"
			: "Microsoft's list and this run's agree user by user");
}

size_t mfa_posture_notes(const struct mfa_posture *p, struct mfa_posture_note *out, size_t max)
{
	size_t n = 0;

	if (!p)
		return 0;
	licences_note(p, out, &n, max);
	methods_notes(p, out, &n, max);
	managed_note(p, out, &n, max);
	legacy_note(out, &n, max);
	recommendation_note(p, out, &n, max);
	return n;
}

/* ---- the counting sink -------------------------------------------------- */

struct posture_sink {
	struct mfa_sink base;
	struct mfa_posture *p;
};

static int ps_row(struct mfa_sink *base, const struct mfa_row *row, struct mfa_err *err)
{
	return mfa_posture_count_user(((struct posture_sink *)base)->p, row->user, err);
}

static int ps_finish(struct mfa_sink *base, const struct mfa_summary *sum, struct mfa_err *err)
{
	(void)err;
	mfa_posture_compare_done(((struct posture_sink *)base)->p, !sum->incomplete);
	return 0;
}

static void ps_free(struct mfa_sink *base)
{
	free(base);
}

static const struct mfa_sink_ops ps_ops = { ps_row, ps_finish, ps_free };

int mfa_posture_sink_open(struct mfa_sink **out, struct mfa_posture *p, struct mfa_err *err)
{
	struct posture_sink *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return mfa_err_set(err, "out of memory");
	s->base.ops = &ps_ops;
	s->base.name = NULL;
	s->p = p;
	*out = &s->base;
	return 0;
}
