/* jsonnum.h - whole numbers out of cJSON, range-checked: a double outside
 * an integer type's range is undefined behaviour to convert, and plan and
 * journal files are outside input. */
#ifndef MFA_CORE_JSONNUM_H
#define MFA_CORE_JSONNUM_H

#include <cjson/cJSON.h>
#include <math.h>

/* 1 and *out set when v is a number that is a whole number in [0, max];
 * 0 otherwise. */
static inline int mfa_json_whole(const cJSON *v, double max, unsigned long *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	if (!(d >= 0 && d <= max) || floor(d) != d)
		return 0;
	*out = (unsigned long)d;
	return 1;
}

#endif
