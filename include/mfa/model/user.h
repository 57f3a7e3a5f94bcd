/* mfa/user.h - the user record every source yields and every stage reads.
 *
 * Ownership: a `struct mfa_user` handed out by a source (mfa_source_next)
 * borrows every string from the source; the strings stay valid until the
 * next call to mfa_source_next or mfa_source_free on that source. A stage
 * that needs a string for longer copies it.
 *
 * Unknown is a value of its own everywhere: a state that could not be read
 * is MFA_STATE_UNKNOWN, never MFA_STATE_DISABLED.
 */
#ifndef MFA_USER_H
#define MFA_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per-user MFA state (Graph's perUserMfaState). AMBIGUOUS is what an input
 * that cannot tell enabled from enforced says (MSOnline "MFA enforced: yes"
 * style exports): the user is one of the two, we do not guess which. */
enum mfa_state {
	MFA_STATE_UNKNOWN = 0,
	MFA_STATE_DISABLED,
	MFA_STATE_ENABLED,
	MFA_STATE_ENFORCED,
	MFA_STATE_AMBIGUOUS,
	MFA_STATE__COUNT
};

/* A yes/no that an input may not carry. */
enum mfa_tri {
	MFA_TRI_UNKNOWN = 0,
	MFA_TRI_NO,
	MFA_TRI_YES
};

enum mfa_user_type {
	MFA_USER_TYPE_UNKNOWN = 0,
	MFA_USER_TYPE_MEMBER,
	MFA_USER_TYPE_GUEST
};

/* Authentication methods, named as Graph's methodsRegistered names them.
 * A method name not in this list is kept verbatim in
 * mfa_registration.other_methods, never dropped. */
enum mfa_method {
	MFA_METHOD_MOBILE_PHONE = 0,       /* mobilePhone */
	MFA_METHOD_ALTERNATE_MOBILE_PHONE, /* alternateMobilePhone */
	MFA_METHOD_OFFICE_PHONE,           /* officePhone */
	MFA_METHOD_EMAIL,                  /* email */
	MFA_METHOD_AUTHENTICATOR_PUSH,     /* microsoftAuthenticatorPush */
	MFA_METHOD_AUTHENTICATOR_PASSWORDLESS, /* microsoftAuthenticatorPasswordless */
	MFA_METHOD_SOFTWARE_OTP,           /* softwareOneTimePasscode */
	MFA_METHOD_HARDWARE_OTP,           /* hardwareOneTimePasscode */
	MFA_METHOD_FIDO2,                  /* fido2SecurityKey */
	MFA_METHOD_WINDOWS_HELLO,          /* windowsHelloForBusiness */
	MFA_METHOD_TAP,                    /* temporaryAccessPass */
	MFA_METHOD_PASSKEY_DEVICE_BOUND,   /* passKeyDeviceBound */
	MFA_METHOD_PASSKEY_AUTHENTICATOR,  /* passKeyDeviceBoundAuthenticator */
	MFA_METHOD_PASSKEY_WINDOWS_HELLO,  /* passKeyDeviceBoundWindowsHello */
	MFA_METHOD_MACOS_SECURE_ENCLAVE,   /* macOsSecureEnclaveKey */
	MFA_METHOD_SECURITY_QUESTION,      /* securityQuestion */
	MFA_METHOD__COUNT
};

/* Methods that count as a second factor (everything but email, security
 * questions and temporary access passes). */
#define MFA_METHODS_STRONG                                                   \
	(~((1u << MFA_METHOD_EMAIL) | (1u << MFA_METHOD_SECURITY_QUESTION) | \
	   (1u << MFA_METHOD_TAP)) &                                          \
	 ((1u << MFA_METHOD__COUNT) - 1u))

struct mfa_registration {
	enum mfa_tri registered;    /* isMfaRegistered; UNKNOWN: input has no registration data */
	enum mfa_tri capable;       /* isMfaCapable */
	uint32_t methods;           /* bit (1u << enum mfa_method) per method registered */
	const char *other_methods;  /* ';'-joined method names outside enum mfa_method, verbatim; NULL if none */
	const char *default_method; /* default MFA method as the input names it (Graph name when known); NULL if none */
};

/* What the tenant's sign-in logs say of one user over the --sign-ins
 * window (audit --sign-ins; sources/signins): counts, never the log. */
struct mfa_signin_counts {
	unsigned long total;          /* sign-ins in the window */
	unsigned long interactive;
	/* sign-ins where MFA was required, by what required it
	 * (authenticationRequirementPolicies[].requirementProvider) */
	unsigned long mfa_per_user;            /* user: per-user MFA */
	unsigned long mfa_conditional_access;  /* multiConditionalAccess */
	unsigned long mfa_security_defaults;   /* securityDefaults */
	unsigned long mfa_other;               /* request, tenantSessionRiskPolicy, ... */
	unsigned long single_factor;  /* satisfied with a single factor */
	unsigned long legacy_client;  /* Exchange ActiveSync / other clients */
	char last[32];                /* newest createdDateTime seen; "" none */
	/* for the findings (mfa/model/signins.h): */
	unsigned long mfa_only_per_user;       /* per-user MFA required MFA, neither
						* Conditional Access nor security defaults did */
	char last_mfa[32];            /* newest sign-in that required MFA; "" none */
	bool last_mfa_per_user;       /* and per-user MFA was among what required it */
};

struct mfa_user {
	const char *id;           /* object id; NULL when the input has none */
	const char *upn;          /* userPrincipalName; NULL only when id is set */
	const char *display_name; /* NULL if none */
	const char *mail;         /* the mail property (where mail reaches the user); NULL
				   * if none: never made up from the UPN */
	enum mfa_user_type user_type;
	enum mfa_tri account_enabled; /* NO: sign-in blocked */
	enum mfa_state state;
	const char *state_error;  /* why state is UNKNOWN (e.g. the value read, or the HTTP error); NULL if none */
	enum mfa_tri is_admin;
	struct mfa_registration reg;
	const char *source_file;  /* where the record came from, for messages; NULL for live scans */
	unsigned long source_line;/* 1-based line of the record's first physical line; 0 if none */
	bool duplicate;           /* the input names this user again (same id, or the UPN in
				   * any case) in a later row, which was refused as a bad row */

	/* evidence beyond the state, each NULL when not read (its option not
	 * given, or Graph refused it): */
	const char *last_sign_in;   /* signInActivity.lastSignInDateTime (ISO 8601) */
	const char *last_non_interactive_sign_in; /* signInActivity.lastNonInteractiveSignInDateTime */
	const char *mailbox_purpose;/* mailboxSettings.userPurpose: user, shared, room,
				     * equipment, linked, others, ... verbatim */
	const char *what_if;        /* the What If cross-check: "agrees", "disagrees: ...",
				     * "not-checked" */
	const struct mfa_signin_counts *signins; /* the sign-in logs over the window */
};

/* Sets every field to its unknown/NULL value. */
void mfa_user_init(struct mfa_user *u);

/* Canonical text of a state: "unknown", "disabled", "enabled", "enforced",
 * "enabled-or-enforced". Never NULL. */
const char *mfa_state_name(enum mfa_state s);

/* Parses Graph's state names (case-insensitive, surrounding spaces ignored)
 * and the canonical names above. Anything else, including
 * "unknownFutureValue" and the empty string, is MFA_STATE_UNKNOWN. */
enum mfa_state mfa_state_parse(const char *text);

/* The one rule for a perUserMfaState value Graph sent: only Graph's three
 * values count (never our own spellings such as "enabled-or-enforced");
 * anything else, NULL included, is MFA_STATE_UNKNOWN, and then why (when
 * not NULL) gets "Graph answered an unreadable per-user MFA state '...'". */
enum mfa_state mfa_state_from_graph(const char *value, char *why, size_t size);

/* The one boolean reader for text: true/yes/1/y/$true and
 * false/no/0/n/$false (any case; PowerShell writes $True), anything else,
 * NULL included, MFA_TRI_UNKNOWN. */
enum mfa_tri mfa_tri_parse(const char *v);

/* "true", "false" or "" for UNKNOWN. */
const char *mfa_tri_name(enum mfa_tri t);

/* "member", "guest" or "" for UNKNOWN. */
const char *mfa_user_type_name(enum mfa_user_type t);

/* Graph's name of a method ("mobilePhone", ...). NULL for an out-of-range value. */
const char *mfa_method_name(enum mfa_method m);

/* Maps a method name as any supported input spells it to enum mfa_method:
 * Graph's names, MSOnline's StrongAuthenticationMethods names (OneWaySMS,
 * TwoWayVoiceMobile, PhoneAppNotification, PhoneAppOTP, ...), and the Entra
 * admin center's display names ("Microsoft Authenticator push", ...).
 * Case and spacing do not matter. Returns -1 for a name it does not know. */
int mfa_method_parse(const char *name);

/* Writes the ';'-joined Graph names of `methods`, then `other` (if any), into
 * buf (NUL-terminated, truncated to size). Returns the length it needed. */
size_t mfa_methods_format(uint32_t methods, const char *other, char *buf, size_t size);

/* True when a user's UPN marks an external (B2B) account ("#EXT#"). */
bool mfa_upn_is_external(const char *upn);

#endif
