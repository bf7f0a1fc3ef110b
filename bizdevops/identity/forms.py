"""The login form: says plainly when an account is locked after repeated failures."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from bizdevops.identity.lockout import LOCKOUT_SECONDS, is_locked


class LockoutAwareAuthenticationForm(AuthenticationForm):
    """Django's login form plus a clear message while the username is locked from this address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your username and password didn't match. Please try again."),
    }

    def clean(self):  # type: ignore[no-untyped-def]
        username = self.cleaned_data.get("username")
        if username and is_locked(username, self.request):
            raise forms.ValidationError(
                _("Too many failed attempts. Try again in %(minutes)d minutes."),
                code="locked",
                params={"minutes": LOCKOUT_SECONDS // 60},
            )
        return super().clean()
