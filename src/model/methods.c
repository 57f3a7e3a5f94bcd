/* methods.c - authentication method names (mfa/user.h).
 *
 * Every input spells methods its own way: Graph's methodsRegistered names,
 * MSOnline's StrongAuthenticationMethods types, the Graph authentication
 * method resource types as community scripts print them, and the Entra admin
 * center's display names. They are all compared in one normalised form:
 * letters and digits only, lowercased, so "Microsoft Authenticator push",
 * "microsoftAuthenticatorPush" and "MICROSOFT-AUTHENTICATOR_PUSH" meet.
 */
#include "mfa/model/user.h"

#include <ctype.h>
#include <string.h>

static const char *const method_names[MFA_METHOD__COUNT] = {
	[MFA_METHOD_MOBILE_PHONE] = "mobilePhone",
	[MFA_METHOD_ALTERNATE_MOBILE_PHONE] = "alternateMobilePhone",
	[MFA_METHOD_OFFICE_PHONE] = "officePhone",
	[MFA_METHOD_EMAIL] = "email",
	[MFA_METHOD_AUTHENTICATOR_PUSH] = "microsoftAuthenticatorPush",
	[MFA_METHOD_AUTHENTICATOR_PASSWORDLESS] = "microsoftAuthenticatorPasswordless",
	[MFA_METHOD_SOFTWARE_OTP] = "softwareOneTimePasscode",
	[MFA_METHOD_HARDWARE_OTP] = "hardwareOneTimePasscode",
	[MFA_METHOD_FIDO2] = "fido2SecurityKey",
	[MFA_METHOD_WINDOWS_HELLO] = "windowsHelloForBusiness",
	[MFA_METHOD_TAP] = "temporaryAccessPass",
	[MFA_METHOD_PASSKEY_DEVICE_BOUND] = "passKeyDeviceBound",
	[MFA_METHOD_PASSKEY_AUTHENTICATOR] = "passKeyDeviceBoundAuthenticator",
	[MFA_METHOD_PASSKEY_WINDOWS_HELLO] = "passKeyDeviceBoundWindowsHello",
	[MFA_METHOD_MACOS_SECURE_ENCLAVE] = "macOsSecureEnclaveKey",
	[MFA_METHOD_SECURITY_QUESTION] = "securityQuestion",
};

/* method_names normalised (see normalise), so that a parse compares
 * without normalising them again on every call. */
static const char *const method_norms[MFA_METHOD__COUNT] = {
	[MFA_METHOD_MOBILE_PHONE] = "mobilephone",
	[MFA_METHOD_ALTERNATE_MOBILE_PHONE] = "alternatemobilephone",
	[MFA_METHOD_OFFICE_PHONE] = "officephone",
	[MFA_METHOD_EMAIL] = "email",
	[MFA_METHOD_AUTHENTICATOR_PUSH] = "microsoftauthenticatorpush",
	[MFA_METHOD_AUTHENTICATOR_PASSWORDLESS] = "microsoftauthenticatorpasswordless",
	[MFA_METHOD_SOFTWARE_OTP] = "softwareonetimepasscode",
	[MFA_METHOD_HARDWARE_OTP] = "hardwareonetimepasscode",
	[MFA_METHOD_FIDO2] = "fido2securitykey",
	[MFA_METHOD_WINDOWS_HELLO] = "windowshelloforbusiness",
	[MFA_METHOD_TAP] = "temporaryaccesspass",
	[MFA_METHOD_PASSKEY_DEVICE_BOUND] = "passkeydevicebound",
	[MFA_METHOD_PASSKEY_AUTHENTICATOR] = "passkeydeviceboundauthenticator",
	[MFA_METHOD_PASSKEY_WINDOWS_HELLO] = "passkeydeviceboundwindowshello",
	[MFA_METHOD_MACOS_SECURE_ENCLAVE] = "macossecureenclavekey",
	[MFA_METHOD_SECURITY_QUESTION] = "securityquestion",
};

/* Spellings other than Graph's own names (those are matched directly), in
 * normalised form. */
static const struct {
	const char *norm;
	enum mfa_method method;
} method_aliases[] = {
	/* MSOnline StrongAuthenticationMethods MethodType values */
	{ "onewaysms", MFA_METHOD_MOBILE_PHONE },
	{ "twowayvoicemobile", MFA_METHOD_MOBILE_PHONE },
	{ "twowayvoicealternatemobile", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "twowayvoiceoffice", MFA_METHOD_OFFICE_PHONE },
	{ "phoneappnotification", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "phoneappotp", MFA_METHOD_SOFTWARE_OTP },
	/* Graph authentication method resource types, with and without their
	 * "AuthenticationMethod" suffix, as scripts print them. */
	{ "microsoftauthenticator", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "microsoftauthenticatorauthenticationmethod", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "phone", MFA_METHOD_MOBILE_PHONE },
	{ "phoneauthenticationmethod", MFA_METHOD_MOBILE_PHONE },
	{ "emailauthenticationmethod", MFA_METHOD_EMAIL },
	{ "fido2", MFA_METHOD_FIDO2 },
	{ "fido2authenticationmethod", MFA_METHOD_FIDO2 },
	{ "windowshelloforbusinessauthenticationmethod", MFA_METHOD_WINDOWS_HELLO },
	{ "softwareoath", MFA_METHOD_SOFTWARE_OTP },
	{ "softwareoathauthenticationmethod", MFA_METHOD_SOFTWARE_OTP },
	{ "hardwareoath", MFA_METHOD_HARDWARE_OTP },
	{ "hardwareoathauthenticationmethod", MFA_METHOD_HARDWARE_OTP },
	{ "temporaryaccesspassauthenticationmethod", MFA_METHOD_TAP },
	{ "passwordlessmicrosoftauthenticator", MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "passwordlessmicrosoftauthenticatorauthenticationmethod",
	  MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "platformcredential", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "platformcredentialauthenticationmethod", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "securityquestions", MFA_METHOD_SECURITY_QUESTION },
	/* Entra admin center display names (those not equal to a Graph name
	 * once normalised) */
	{ "softwareoathtoken", MFA_METHOD_SOFTWARE_OTP },
	{ "softwareoathtokens", MFA_METHOD_SOFTWARE_OTP },
	{ "thirdpartysoftwareoathtoken", MFA_METHOD_SOFTWARE_OTP },
	{ "hardwareoathtoken", MFA_METHOD_HARDWARE_OTP },
	{ "hardwareoathtokens", MFA_METHOD_HARDWARE_OTP },
	{ "fido2securitykeys", MFA_METHOD_FIDO2 },
	{ "securitykey", MFA_METHOD_FIDO2 },
	{ "passkeyfido2", MFA_METHOD_FIDO2 },
	{ "passkeymicrosoftauthenticator", MFA_METHOD_PASSKEY_AUTHENTICATOR },
	{ "passkeywindowshello", MFA_METHOD_PASSKEY_WINDOWS_HELLO },
	{ "passkeywindowshelloforbusiness", MFA_METHOD_PASSKEY_WINDOWS_HELLO },
	{ "microsoftauthenticatorpasswordlessphonesignin", MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "microsoftauthenticatorapp", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "mobilephonesms", MFA_METHOD_MOBILE_PHONE },
	{ "sms", MFA_METHOD_MOBILE_PHONE },
	{ "textmessage", MFA_METHOD_MOBILE_PHONE },
	{ "voicecall", MFA_METHOD_MOBILE_PHONE },
	{ "alternatephone", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "tap", MFA_METHOD_TAP },
	{ "macossecureenclave", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "macosplatformcredential", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "microsoftauthenticatornotification", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "microsoftauthenticatorotp", MFA_METHOD_SOFTWARE_OTP },
	/* Graph's userDefaultAuthenticationMethod values (defaultMfaMethod in
	 * some exports) */
	{ "push", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "oath", MFA_METHOD_SOFTWARE_OTP },
	{ "voicemobile", MFA_METHOD_MOBILE_PHONE },
	{ "voicealternatemobile", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "voiceoffice", MFA_METHOD_OFFICE_PHONE },
};

/* Writes the normalised form of name into out (letters and digits,
 * lowercased). Returns false when it does not fit: no known name is that
 * long. */
static bool normalise(const char *name, char *out, size_t size)
{
	size_t n = 0;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (!isalnum(c))
			continue;
		if (n + 1 >= size)
			return false;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
	return true;
}

const char *mfa_method_name(enum mfa_method m)
{
	if ((unsigned)m >= MFA_METHOD__COUNT)
		return NULL;
	return method_names[m];
}

int mfa_method_parse(const char *name)
{
	char norm[96];
	size_t i;
	int m;

	static const char odata_prefix[] = "microsoftgraph";
	const char *key;

	if (!name || !normalise(name, norm, sizeof(norm)) || !norm[0])
		return -1;
	/* "#microsoft.graph.fido2AuthenticationMethod": an @odata.type */
	key = norm;
	if (strncmp(key, odata_prefix, sizeof(odata_prefix) - 1) == 0 && key[sizeof(odata_prefix) - 1])
		key += sizeof(odata_prefix) - 1;
	for (m = 0; m < MFA_METHOD__COUNT; m++) {
		if (strcmp(key, method_norms[m]) == 0)
			return m;
	}
	for (i = 0; i < sizeof(method_aliases) / sizeof(method_aliases[0]); i++) {
		if (strcmp(key, method_aliases[i].norm) == 0)
			return (int)method_aliases[i].method;
	}
	return -1;
}

/* Appends s (len bytes) at *used, keeping buf NUL-terminated and never
 * writing past size; *used counts what was needed, not what fitted. */
static void append(char *buf, size_t size, size_t *used, const char *s, size_t len)
{
	if (buf && size > 0 && *used < size - 1) {
		size_t room = size - 1 - *used;
		size_t n = len < room ? len : room;

		memcpy(buf + *used, s, n);
		buf[*used + n] = '\0';
	}
	*used += len;
}

size_t mfa_methods_format(uint32_t methods, const char *other, char *buf, size_t size)
{
	size_t used = 0;
	int m;

	if (buf && size > 0)
		buf[0] = '\0';
	for (m = 0; m < MFA_METHOD__COUNT; m++) {
		if (!(methods & (1u << m)))
			continue;
		if (used)
			append(buf, size, &used, ";", 1);
		append(buf, size, &used, method_names[m], strlen(method_names[m]));
	}
	if (other && *other) {
		if (used)
			append(buf, size, &used, ";", 1);
		append(buf, size, &used, other, strlen(other));
	}
	return used;
}

bool mfa_upn_is_external(const char *upn)
{
	static const char mark[] = "#ext#";
	const char *p;

	if (!upn)
		return false;
	for (p = upn; *p; p++) {
		size_t i;

		for (i = 0; i < sizeof(mark) - 1; i++) {
			if (tolower((unsigned char)p[i]) != mark[i])
				break;
		}
		if (i == sizeof(mark) - 1)
			return true;
	}
	return false;
}
