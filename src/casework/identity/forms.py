"""Sign-in, password and one-time code forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm

from casework.core.govuk_forms import GovukForm, GovukFormMixin
from casework.core.middleware import client_address
from casework.identity import sign_in_throttle

LOCKED_OUT_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes or ask your administrator."
LOCAL_LOGIN_OFF_MESSAGE = "Sign in with your organisation account. Signing in with a password is switched off."
NEW_PASSWORD_HINT = "At least 12 characters. Avoid common words and your name."  # noqa: S105 (hint text)


class ThrottledAuthenticationForm(GovukFormMixin, AuthenticationForm):
    """Refuses to check the password at all while the username or address is locked out, or while
    local sign-in is switched off."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "locked_out": LOCKED_OUT_MESSAGE,
        "local_login_off": LOCAL_LOGIN_OFF_MESSAGE,
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        if not settings.LOCAL_LOGIN:
            raise forms.ValidationError(self.error_messages["local_login_off"], code="local_login_off")
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request is not None else ""
        if username and sign_in_throttle.login_is_locked(username=username, client_address=address):
            # No authenticate() call: a locked account must not become a password oracle.
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        return super().clean()


#: Django's password validators, in the Design System's words (by the validators' error codes).
PASSWORD_MESSAGES = {
    "password_too_short": "New password must be 12 characters or more",
    "password_too_common": "New password is too common: choose one that is harder to guess",
    "password_entirely_numeric": "New password must include letters, not only numbers",
    "password_too_similar": "New password must not be like your name or username",
}


class GovukPasswordMessagesMixin:
    """Password rules and mismatches reported in the Design System's words."""

    def validate_password_for_user(self, user: Any, password_field_name: str = "new_password2") -> None:  # noqa: S107
        password = self.cleaned_data.get(password_field_name)  # type: ignore[attr-defined]
        if not password:
            return
        try:
            password_validation.validate_password(password, user)
        except forms.ValidationError as error:
            messages = [PASSWORD_MESSAGES.get(item.code or "", item.messages[0]) for item in error.error_list]
            self.add_error(password_field_name, messages)  # type: ignore[attr-defined]


class AuditedPasswordChangeForm(GovukPasswordMessagesMixin, GovukFormMixin, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Current password is incorrect: enter it again",
        "password_mismatch": "Enter the same new password twice",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].help_text = NEW_PASSWORD_HINT
        self.fields["new_password2"].label = "Confirm the new password"


class NewPasswordForm(GovukPasswordMessagesMixin, GovukFormMixin, SetPasswordForm):  # type: ignore[type-arg]
    """Choose a password (invitation or reset): the service sets it, this form only checks the pair."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Create a password"
        self.fields["new_password1"].help_text = NEW_PASSWORD_HINT
        self.fields["new_password2"].label = "Confirm your password"
        self.error_messages = {**self.error_messages, "password_mismatch": "Enter the same password twice"}


class OneTimeCodeForm(GovukForm):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        max_length=20,
        error_messages={"required": "Enter the security code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "text"}),
    )


class AuthenticatorCodeForm(GovukForm):
    code = forms.CharField(
        label="Code from your app",
        help_text="Enter the 6-digit code your authenticator app shows for Casework Assurance.",
        max_length=8,
        error_messages={"required": "Enter the 6-digit code from your app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class PasswordResetRequestForm(GovukForm):
    email = forms.EmailField(
        label="Email address",
        help_text="The address your account uses. We will send you a link to choose a new password.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
