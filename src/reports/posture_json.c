/* posture_json.c - tenant posture notes in summary.json (posture_json.h). */
#include "reports/posture_json.h"

#include <stdlib.h>

static const char *read_name(enum mfa_posture_read r)
{
	switch (r) {
	case MFA_POSTURE_READ: return "read";
	case MFA_POSTURE_FORBIDDEN: return "forbidden";
	case MFA_POSTURE_FAILED: return "failed";
	default: return "not-read";
	}
}

static void add_list(cJSON *o, const char *k, const struct mfa_posture_idlist *l)
{
	cJSON *x = cJSON_AddObjectToObject(o, k), *ids;
	size_t i;

	if (!x)
		return;
	cJSON_AddNumberToObject(x, "count", (double)l->count);
	ids = cJSON_AddArrayToObject(x, "ids");
	for (i = 0; ids && i < l->kept; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(l->ids[i]));
}

void mfa_posture_json_add(cJSON *notes, const struct mfa_posture *p)
{
	struct mfa_posture_note *n;
	size_t i, count;
	cJSON *arr, *o;

	if (!notes || !p || !(n = calloc(MFA_POSTURE_MAX_NOTES, sizeof(*n))))
		return;
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	arr = cJSON_AddArrayToObject(notes, "posture");
	for (i = 0; arr && i < count; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", n[i].key);
		cJSON_AddStringToObject(o, "status", n[i].status);
		cJSON_AddStringToObject(o, "text", n[i].text);
		cJSON_AddStringToObject(o, "meaning", n[i].meaning);
		cJSON_AddItemToArray(arr, o);
	}
	free(n);
	o = cJSON_AddObjectToObject(notes, "switchFromPerUserMfa");
	if (!o)
		return;
	cJSON_AddStringToObject(o, "read", read_name(p->recommendation));
	cJSON_AddNumberToObject(o, "ourCount", (double)p->ours);
	if (p->recommendation != MFA_POSTURE_READ)
		return;
	cJSON_AddBoolToObject(o, "found", p->rec_found);
	if (!p->rec_found)
		return;
	cJSON_AddStringToObject(o, "status", p->rec_status);
	cJSON_AddBoolToObject(o, "complete", !p->incomplete);
	cJSON_AddNumberToObject(o, "microsoftCount", (double)p->rec_count);
	add_list(o, "onlyMicrosoft", &p->only_microsoft);
	add_list(o, "onlyOurs", &p->only_ours);
}
