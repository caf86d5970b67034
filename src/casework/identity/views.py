"""Sign-in (password, then a one-time code where required), sign-out, the role-based home page,
a person's own account page, invitation and reset links, and administrators' account pages."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import CaseworkError
from casework.core.forms import apply_service_error
from casework.core.middleware import client_address
from casework.core.views import http_error_for, page_errors
from casework.identity import services, sign_in_throttle
from casework.identity.forms import (
    LOCKED_OUT_MESSAGE,
    AuditedPasswordChangeForm,
    AuthenticatorCodeForm,
    NewPasswordForm,
    OneTimeCodeForm,
    PasswordResetRequestForm,
    ThrottledAuthenticationForm,
)
from casework.identity.models import AccountLink, ExternalIdentity, LinkPurpose
from casework.identity.oidc.config import providers
from casework.identity.oidc.views import SESSION_KEY as OIDC_SESSION_KEY
from casework.identity.oidc.views import end_session_url
from casework.people.choices import CASEWORKER_ROLES, NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import User

PENDING_KEY = "identity_pending"
ENROLMENT_KEY = "identity_enrolling_device"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- signing in -----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else reverse("home")


def _pending_user(request: HttpRequest) -> User | None:
    """The person who gave a correct password and still owes a one-time code, if recent enough."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > settings.MFA_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending.get("user_id"), is_active=True).first()


def _complete_sign_in(request: HttpRequest, user: User, device: Any) -> str:
    next_url = _safe_next(request, str(request.session.get(PENDING_KEY, {}).get("next", "")))
    request.session.pop(PENDING_KEY, None)
    request.session.pop(ENROLMENT_KEY, None)
    login(request, user, backend=MODEL_BACKEND)
    otp_login(request, device)
    # Only now: clearing failures after the password alone would let code guesses go on for ever.
    sign_in_throttle.login_failures_clear(username=user.get_username())
    return next_url


class SignInView(auth_views.LoginView):
    template_name = "identity/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["providers"] = list(providers().values())
        context["local_login"] = settings.LOCAL_LOGIN
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not services.mfa_required(user):
            response = super().form_valid(form)
            sign_in_throttle.login_failures_clear(username=user.get_username())
            return response
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "at": clock.now().timestamp(),
            "next": self.get_redirect_url(),
        }
        if services.authenticator_for(user) is None:
            return redirect("login_set_up_authenticator")
        return redirect("login_code")


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Second step of a local sign-in: the code from the authenticator app, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: your sign-in was not finished in time.")
        return redirect("login")
    if services.authenticator_for(user) is None:
        return redirect("login_set_up_authenticator")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if sign_in_throttle.login_is_locked(username=user.username, client_address=client_address(request)):
            form.add_error("code", LOCKED_OUT_MESSAGE)
        else:
            verified = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if verified is None:
                sign_in_throttle.login_failure_record(username=user.username)
                form.add_error("code", "The security code is not correct or has already been used")
            else:
                next_url = _complete_sign_in(request, user, verified.device)
                if verified.used_recovery_code:
                    left = services.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"You used a recovery code. You have {left} left: create new ones on your account page.",
                    )
                return redirect(next_url)
    return render(request, "identity/sign_in_code.html", {"form": form})


def _qr_data_uri(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def set_up_authenticator(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: during a sign-in that needs one, or from the account page."""
    pending = _pending_user(request)
    user: Any = pending or (request.user if request.user.is_authenticated else None)
    if user is None:
        return redirect("login")
    if pending is not None and services.authenticator_for(pending) is not None:
        return redirect("login_code")
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROLMENT_KEY), user=user, confirmed=False).first()
    if device is None:
        device = services.authenticator_enrolment_start(user=user)
        request.session[ENROLMENT_KEY] = device.pk
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if pending is not None and sign_in_throttle.login_is_locked(
            username=user.username, client_address=client_address(request)
        ):
            form.add_error("code", LOCKED_OUT_MESSAGE)
        else:
            try:
                device, codes = services.authenticator_enrolment_confirm(
                    user=user, device_id=device.pk, code=form.cleaned_data["code"]
                )
            except CaseworkError as error:
                if pending is not None:
                    sign_in_throttle.login_failure_record(username=user.username)
                apply_service_error(form, error)
            else:
                request.session.pop(ENROLMENT_KEY, None)
                next_url = _complete_sign_in(request, user, device) if pending is not None else reverse("account")
                return render(
                    request, "identity/recovery_codes.html", {"codes": codes, "next_url": next_url, "first": True}
                )
    return render(
        request,
        "identity/set_up_authenticator.html",
        {"form": form, "qr": _qr_data_uri(device), "secret": _secret_text(device), "signing_in": pending is not None},
    )


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET with 405). After a provider sign-in, offers the
    provider's end-session page as well: the service's own session is over either way."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        oidc_session = request.session.get(OIDC_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if not oidc_session:
            return response
        provider = providers().get(str(oidc_session.get("provider")))
        return render(
            request,
            "identity/signed_out.html",
            {"end_session_url": end_session_url(request, oidc_session), "provider": provider},
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "identity/password_change.html"
    form_class = AuditedPasswordChangeForm
    success_url = reverse_lazy("home")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_usable_password():
            messages.info(
                request, "You sign in with your organisation account, so there is no password to change here."
            )
            return redirect("account")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            # The audit trail records that the password changed, never the value or its hash;
            # the person's API tokens are revoked with it.
            services.password_changed(user=self.request.user)
        messages.success(self.request, "Your password has been changed. Your API tokens have been revoked.")
        return response


# --- home ---------------------------------------------------------------------------------------


def home_url_for(user: Any) -> str | None:
    """Where each role starts. None: the user has no page in this service (police, no role)."""
    roles = user.role_codes
    # Every role with work lands on its overview (named by URL only: the page lives in a higher app).
    if roles & CASEWORKER_ROLES or (roles & UNIT_MANAGER_ROLES and user.unit_id):
        return reverse("workday:overview")
    if roles & UNIT_MANAGER_ROLES:
        return reverse("cases:my")
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        return reverse("workday:overview")
    if roles & NATIONAL_READ_ROLES:
        return reverse("workday:overview")
    if RoleCode.RECORDS_OFFICER in roles:
        return reverse("records:dashboard")
    if RoleCode.HQ_POLICY in roles:  # their work is the national MoU template
        return reverse("partners:templates")
    if RoleCode.ADMINISTRATOR in roles:
        return reverse("admin:index")
    if RoleCode.POLICE_LIAISON in roles and user.police_force_id:
        return reverse("workday:overview")
    return None


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    target = home_url_for(user)
    if target is not None:
        return redirect(target)
    is_police = RoleCode.POLICE_LIAISON in user.role_codes
    return render(request, "identity/no_case_access.html", {"is_police": is_police})


# --- your account ---------------------------------------------------------------------------------


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "identity/account.html",
        {
            "organisation": ExternalIdentity.objects.filter(user=user).first(),
            "authenticator": services.authenticator_for(user),
            "recovery_left": services.recovery_codes_left(user),
            "mfa_required": services.mfa_required(user),
            "has_password": user.has_usable_password(),
        },
    )


@require_POST
@login_required
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.recovery_codes_replace(user=request.user)
    except CaseworkError as error:
        messages.error(request, error.message)
        return redirect("account")
    return render(
        request, "identity/recovery_codes.html", {"codes": codes, "next_url": reverse("account"), "first": False}
    )


# --- invitation and reset links -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password through a one-time link from an invitation or reset e-mail."""
    link = services.account_link_find(token=token)
    if link is None:
        return render(request, "identity/link_invalid.html", status=404)
    form = NewPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set_with_link(token=token, password=form.cleaned_data["new_password1"])
        except CaseworkError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Your password has been set. Sign in with your username and new password.")
            return redirect("login")
    invitation = link.purpose == LinkPurpose.INVITATION
    return render(request, "identity/set_password.html", {"form": form, "invitation": invitation, "person": link.user})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    if not settings.LOCAL_LOGIN:
        raise Http404("Local sign-in is switched off.")
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"])
        return render(request, "identity/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "identity/password_reset.html", {"form": form})


# --- administrators: accounts ---------------------------------------------------------------------


def _administrator(request: HttpRequest) -> Any:
    user: Any = request.user
    if RoleCode.ADMINISTRATOR not in user.role_codes:
        raise Http404("Not found.")
    return user


ACCOUNT_SORTS = {"name": ("last_name", "first_name", "username"), "last_sign_in": ("-last_login", "username")}


@require_GET
@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    """Every account with how it signs in, for administrators: filter, search and sort."""
    admin = _administrator(request)
    people = (
        User.objects.visible_to(admin)
        .select_related("unit", "police_force")
        .annotate(
            organisation=Exists(ExternalIdentity.objects.filter(user=OuterRef("pk"))),
            authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            invited=Exists(
                AccountLink.objects.filter(
                    user=OuterRef("pk"),
                    purpose=LinkPurpose.INVITATION,
                    used_at=None,
                    cancelled_at=None,
                    expires_at__gt=clock.now(),
                )
            ),
        )
    )
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    status = request.GET.get("status", "")
    if status in ("active", "inactive"):
        people = people.filter(is_active=status == "active")
    method = request.GET.get("sign_in", "")
    if method in ("organisation", "local"):
        people = people.filter(organisation=method == "organisation")
    sort = request.GET.get("sort", "name")
    people = people.order_by(*ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["name"]))
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "identity/accounts.html",
        {
            "page_obj": page,
            "query": query,
            "status": status,
            "sign_in": method,
            "sort": sort,
            "params": params.urlencode(),
            "total": page.paginator.count,
        },
    )


@require_GET
@login_required
def account_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    admin = _administrator(request)
    person = User.objects.visible_to(admin).select_related("unit", "police_force").filter(pk=person_id).first()
    if person is None:
        raise Http404("Person not found.")
    with transaction.atomic():
        audit.record(
            actor=admin,
            action=Action.CONSULT,
            subject=person,
            subject_label=person.username,
            justification="Account administration (sign-in methods and security)",
        )
    return render(
        request,
        "identity/account_detail.html",
        {
            "person": person,
            "identities": list(ExternalIdentity.objects.filter(user=person)),
            "authenticator": services.authenticator_for(person),
            "recovery_left": services.recovery_codes_left(person),
            "links": list(AccountLink.objects.filter(user=person)[:10]),
            "now": clock.now(),
            "local_login": settings.LOCAL_LOGIN,
        },
    )


def _account_action(request: HttpRequest, person_id: int, action: Any, done: str) -> HttpResponse:
    admin = _administrator(request)
    with page_errors():
        try:
            action(actor=admin, user_id=person_id)
        except CaseworkError as error:
            if http_error_for(error) is not None:  # NotFound / PermissionDenied: a 404 or 403 page
                raise
            messages.error(request, error.message)
        else:
            messages.success(request, done)
    return redirect("account_detail", person_id=person_id)


@require_POST
@login_required
def account_invite(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_action(
        request, person_id, services.invitation_send, "Invitation sent. The link works once and expires."
    )


@require_POST
@login_required
def account_reset_authenticator(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_action(
        request,
        person_id,
        services.second_factor_reset,
        "Authenticator removed. They will set up a new one at their next sign-in.",
    )


@require_POST
@login_required
def account_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    def deactivate(*, actor: Any, user_id: int) -> Any:
        return services.account_set_active(actor=actor, user_id=user_id, active=False)

    return _account_action(
        request, person_id, deactivate, "Account switched off. Their sessions and API tokens have ended."
    )


@require_POST
@login_required
def account_reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    def reactivate(*, actor: Any, user_id: int) -> Any:
        return services.account_set_active(actor=actor, user_id=user_id, active=True)

    return _account_action(request, person_id, reactivate, "Account switched on.")
