/* test_methods.c - method names (mfa/user.h: mfa_method_*, mfa_upn_is_external). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/user.h"

static const struct {
	const char *text;
	int method; /* -1: not a known method */
} parse_cases[] = {
	/* Graph's own names, as methodsRegistered spells them */
	{ "mobilePhone", MFA_METHOD_MOBILE_PHONE },
	{ "alternateMobilePhone", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "officePhone", MFA_METHOD_OFFICE_PHONE },
	{ "email", MFA_METHOD_EMAIL },
	{ "microsoftAuthenticatorPush", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "microsoftAuthenticatorPasswordless", MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "softwareOneTimePasscode", MFA_METHOD_SOFTWARE_OTP },
	{ "hardwareOneTimePasscode", MFA_METHOD_HARDWARE_OTP },
	{ "fido2SecurityKey", MFA_METHOD_FIDO2 },
	{ "windowsHelloForBusiness", MFA_METHOD_WINDOWS_HELLO },
	{ "temporaryAccessPass", MFA_METHOD_TAP },
	{ "passKeyDeviceBound", MFA_METHOD_PASSKEY_DEVICE_BOUND },
	{ "passKeyDeviceBoundAuthenticator", MFA_METHOD_PASSKEY_AUTHENTICATOR },
	{ "passKeyDeviceBoundWindowsHello", MFA_METHOD_PASSKEY_WINDOWS_HELLO },
	{ "macOsSecureEnclaveKey", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "securityQuestion", MFA_METHOD_SECURITY_QUESTION },
	/* MSOnline StrongAuthenticationMethods types */
	{ "OneWaySMS", MFA_METHOD_MOBILE_PHONE },
	{ "TwoWayVoiceMobile", MFA_METHOD_MOBILE_PHONE },
	{ "TwoWayVoiceAlternateMobile", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "TwoWayVoiceOffice", MFA_METHOD_OFFICE_PHONE },
	{ "PhoneAppNotification", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "PhoneAppOTP", MFA_METHOD_SOFTWARE_OTP },
	/* Graph authentication method types as scripts print them */
	{ "MicrosoftAuthenticator", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "microsoftAuthenticatorAuthenticationMethod", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "#microsoft.graph.fido2AuthenticationMethod", MFA_METHOD_FIDO2 },
	{ "#microsoft.graph.passwordAuthenticationMethod", -1 },
	{ "#microsoft.graph.", -1 },
	{ "Phone", MFA_METHOD_MOBILE_PHONE },
	{ "phoneAuthenticationMethod", MFA_METHOD_MOBILE_PHONE },
	{ "Email", MFA_METHOD_EMAIL },
	{ "emailAuthenticationMethod", MFA_METHOD_EMAIL },
	{ "Fido2", MFA_METHOD_FIDO2 },
	{ "fido2AuthenticationMethod", MFA_METHOD_FIDO2 },
	{ "WindowsHelloForBusiness", MFA_METHOD_WINDOWS_HELLO },
	{ "windowsHelloForBusinessAuthenticationMethod", MFA_METHOD_WINDOWS_HELLO },
	{ "SoftwareOath", MFA_METHOD_SOFTWARE_OTP },
	{ "softwareOathAuthenticationMethod", MFA_METHOD_SOFTWARE_OTP },
	{ "HardwareOath", MFA_METHOD_HARDWARE_OTP },
	{ "TemporaryAccessPass", MFA_METHOD_TAP },
	{ "temporaryAccessPassAuthenticationMethod", MFA_METHOD_TAP },
	{ "passwordlessMicrosoftAuthenticatorAuthenticationMethod",
	  MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "platformCredentialAuthenticationMethod", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	/* Entra admin center display names */
	{ "Microsoft Authenticator push", MFA_METHOD_AUTHENTICATOR_PUSH },
	{ "Microsoft Authenticator passwordless", MFA_METHOD_AUTHENTICATOR_PASSWORDLESS },
	{ "Mobile phone", MFA_METHOD_MOBILE_PHONE },
	{ "Alternate mobile phone", MFA_METHOD_ALTERNATE_MOBILE_PHONE },
	{ "Office phone", MFA_METHOD_OFFICE_PHONE },
	{ "Software OATH token", MFA_METHOD_SOFTWARE_OTP },
	{ "Software one-time passcode", MFA_METHOD_SOFTWARE_OTP },
	{ "Hardware OATH token", MFA_METHOD_HARDWARE_OTP },
	{ "Hardware one-time passcode", MFA_METHOD_HARDWARE_OTP },
	{ "FIDO2 security key", MFA_METHOD_FIDO2 },
	{ "Windows Hello for Business", MFA_METHOD_WINDOWS_HELLO },
	{ "Temporary Access Pass", MFA_METHOD_TAP },
	{ "Passkey (device-bound)", MFA_METHOD_PASSKEY_DEVICE_BOUND },
	{ "Passkey (Microsoft Authenticator)", MFA_METHOD_PASSKEY_AUTHENTICATOR },
	{ "Passkey (Windows Hello)", MFA_METHOD_PASSKEY_WINDOWS_HELLO },
	{ "macOS Secure Enclave Key", MFA_METHOD_MACOS_SECURE_ENCLAVE },
	{ "Security questions", MFA_METHOD_SECURITY_QUESTION },
	{ "Text message", MFA_METHOD_MOBILE_PHONE },
	/* case, spaces and punctuation do not matter */
	{ "MOBILEPHONE", MFA_METHOD_MOBILE_PHONE },
	{ "  mobile_phone ", MFA_METHOD_MOBILE_PHONE },
	{ "onewaysms", MFA_METHOD_MOBILE_PHONE },
	{ "FIDO-2 Security-Key", MFA_METHOD_FIDO2 },
	{ "phone-app-notification", MFA_METHOD_AUTHENTICATOR_PUSH },
	/* not methods, or not known */
	{ "Password", -1 },
	{ "passwordAuthenticationMethod", -1 },
	{ "", -1 },
	{ "   ", -1 },
	{ "-", -1 },
	{ "quantumEntanglement", -1 },
	{ "mobilePhones2", -1 },
	{ "mobile", -1 },
};

static void test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		int got = mfa_method_parse(parse_cases[i].text);

		if (got != parse_cases[i].method)
			fail_msg("mfa_method_parse(\"%s\") = %d, want %d", parse_cases[i].text, got,
				 parse_cases[i].method);
	}
	assert_int_equal(mfa_method_parse(NULL), -1);
}

static void test_parse_overlong_name(void **state)
{
	char big[4096];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(mfa_method_parse(big), -1);
}

static void test_name_roundtrip(void **state)
{
	int m;

	(void)state;
	for (m = 0; m < MFA_METHOD__COUNT; m++) {
		const char *name = mfa_method_name((enum mfa_method)m);

		assert_non_null(name);
		assert_int_equal(mfa_method_parse(name), m);
	}
	assert_null(mfa_method_name(MFA_METHOD__COUNT));
	assert_null(mfa_method_name((enum mfa_method)-1));
	assert_string_equal(mfa_method_name(MFA_METHOD_AUTHENTICATOR_PUSH), "microsoftAuthenticatorPush");
}

static void test_format(void **state)
{
	char buf[512];
	size_t n;

	(void)state;
	n = mfa_methods_format(0, NULL, buf, sizeof(buf));
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");

	n = mfa_methods_format((1u << MFA_METHOD_FIDO2) | (1u << MFA_METHOD_MOBILE_PHONE), NULL, buf,
			       sizeof(buf));
	assert_string_equal(buf, "mobilePhone;fido2SecurityKey");
	assert_int_equal(n, strlen(buf));

	n = mfa_methods_format(1u << MFA_METHOD_EMAIL, "quantumKey;Yubi", buf, sizeof(buf));
	assert_string_equal(buf, "email;quantumKey;Yubi");
	assert_int_equal(n, strlen(buf));

	n = mfa_methods_format(0, "onlyOther", buf, sizeof(buf));
	assert_string_equal(buf, "onlyOther");

	/* truncated, NUL-terminated, and the needed length still returned */
	n = mfa_methods_format((1u << MFA_METHOD__COUNT) - 1, NULL, buf, 10);
	assert_int_equal(strlen(buf), 9);
	assert_true(n > 100);
	assert_int_equal(mfa_methods_format((1u << MFA_METHOD__COUNT) - 1, NULL, NULL, 0), n);

	/* every bit round-trips through the text */
	{
		uint32_t all = (1u << MFA_METHOD__COUNT) - 1, back = 0;
		char *tok, *save = NULL;

		mfa_methods_format(all, NULL, buf, sizeof(buf));
		for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			int m = mfa_method_parse(tok);

			assert_true(m >= 0);
			back |= 1u << m;
		}
		assert_int_equal(back, all);
	}
}

static void test_upn_is_external(void **state)
{
	static const struct {
		const char *upn;
		bool ext;
	} cases[] = {
		{ "kim.akers_fabrikam.example#EXT#@contoso.example", true },
		{ "kim_fabrikam.example#ext#@contoso.example", true },
		{ "#EXT#", true },
		{ "adele.vance@contoso.example", false },
		{ "ext@contoso.example", false },
		{ "#EXT@contoso.example", false },
		{ "", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (mfa_upn_is_external(cases[i].upn) != cases[i].ext)
			fail_msg("mfa_upn_is_external(\"%s\") != %d", cases[i].upn, cases[i].ext);
	}
	assert_false(mfa_upn_is_external(NULL));
}

static void test_strong_set(void **state)
{
	(void)state;
	assert_false(MFA_METHODS_STRONG & (1u << MFA_METHOD_EMAIL));
	assert_false(MFA_METHODS_STRONG & (1u << MFA_METHOD_TAP));
	assert_false(MFA_METHODS_STRONG & (1u << MFA_METHOD_SECURITY_QUESTION));
	assert_true(MFA_METHODS_STRONG & (1u << MFA_METHOD_MOBILE_PHONE));
	assert_true(MFA_METHODS_STRONG & (1u << MFA_METHOD_FIDO2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_overlong_name),
		cmocka_unit_test(test_name_roundtrip),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_upn_is_external),
		cmocka_unit_test(test_strong_set),
	};

	return cmocka_run_group_tests_name("methods", tests, NULL, NULL);
}
