"""Admin pages: accounts (create, reset password, disable and re-enable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from exam.i18n import gettext as _
from exam.models import Role, User
from exam.services import access, accounts
from exam.web.deps import AdminUser, IdPath, SessionDep, get_or_404
from exam.web.templating import render

router = APIRouter(prefix="/admin")

STAFF_ROLES = [Role.admin, Role.hr, Role.trainer, Role.candidate]


def _users(session, role: str | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    return accounts.list_users(session, role, q, limit=500)


@router.get("")
def home(request: Request, user: AdminUser, session: SessionDep, role: str | None = None, q: str = "") -> Response:
    """The accounts list (the admin's home page)."""
    users = _users(session, role or None, q.strip())
    template = "admin/_user_table.html" if request.headers.get("HX-Target") == "user-table" else "admin/home.html"
    recent = accounts.recent_changes(session)
    return render(
        request,
        template,
        {"users": users, "roles": STAFF_ROLES, "role": role or "", "q": q, "audit": recent, "form": {}},
    )


@router.get("/users")
def users_page(user: AdminUser) -> Response:
    """The accounts list lives at /admin (a reload after a failed form lands here)."""
    return RedirectResponse("/admin", status_code=303)


@router.post("/users")
def create(
    request: Request,
    user: AdminUser,
    session: SessionDep,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    """Create an account."""
    try:
        accounts.create_user(
            session,
            username,
            role,
            password or None,
            display_name=display_name.strip(),
            email=email.strip() or None,
            actor=user,
        )
    except accounts.AccountError as exc:
        users = _users(session)
        return render(
            request,
            "admin/home.html",
            {
                "users": users,
                "roles": STAFF_ROLES,
                "role": "",
                "q": "",
                "audit": accounts.recent_changes(session),
                "form": {"username": username, "role": role, "display_name": display_name, "email": email},
                "form_error": exc.translated(),
            },
            status_code=422,
        )
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": "/admin"})
    return RedirectResponse("/admin", status_code=303)


def _target(session, user_id: int) -> User:  # type: ignore[no-untyped-def]
    return get_or_404(session, User, user_id)


@router.post("/users/{user_id}/password")
def reset_password(
    request: Request, user_id: IdPath, user: AdminUser, session: SessionDep, password: Annotated[str, Form()]
) -> Response:
    """Set a new password for an account (ends its sessions)."""
    target = _target(session, user_id)
    try:
        accounts.set_password(session, target, password, actor=user)
    except accounts.AccountError as exc:
        return render(request, "admin/_row.html", {"u": target, "error": exc.translated(), "me": user}, status_code=422)
    return render(request, "admin/_row.html", {"u": target, "notice": _("Password changed."), "me": user})


@router.post("/users/{user_id}/active")
def toggle_active(
    request: Request, user_id: IdPath, user: AdminUser, session: SessionDep, active: Annotated[bool, Form()]
) -> Response:
    """Disable or re-enable an account (disabling ends every session of it)."""
    target = _target(session, user_id)
    if target.id == user.id and not active:
        return render(
            request,
            "admin/_row.html",
            {"u": target, "error": _("You cannot disable your own account."), "me": user},
            status_code=422,
        )
    accounts.set_active(session, target, active, actor=user)
    if request.headers.get("HX-Request") == "true":
        return render(request, "admin/_row.html", {"u": target, "me": user})
    return RedirectResponse("/admin", status_code=303)


# --- openings and their owners -------------------------------------------------------------------------


def _openings_page(
    request: Request, session, user: User, error: str | None = None, notice: str | None = None, status_code: int = 200
) -> Response:  # type: ignore[no-untyped-def]
    rows = []
    for opening in access.openings_for(session, user):
        rows.append(
            {
                "opening": opening,
                "owner": session.get(User, opening.owner_id) if opening.owner_id else None,
                "shared": access.shares_of(session, opening),
            }
        )
    ctx = {"rows": rows, "hr_users": access.hr_users(session), "error": error, "notice": notice}
    return render(request, "admin/openings.html", ctx, status_code=status_code)


@router.get("/openings")
def openings_page(request: Request, user: AdminUser, session: SessionDep) -> Response:
    """Every opening with its owner; the admin gives openings to another HR user."""
    notice = _("The opening has a new owner.") if request.query_params.get("moved") == "1" else None
    return _openings_page(request, session, user, notice=notice)


@router.post("/openings/{opening_id}/owner")
def transfer_opening(
    request: Request,
    opening_id: IdPath,
    user: AdminUser,
    session: SessionDep,
    owner_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """Give an opening to another HR user (audited)."""
    try:
        access.transfer(session, user, opening_id, owner_id)
    except access.SharingError as exc:
        return _openings_page(request, session, user, error=exc.translated(), status_code=422)
    return RedirectResponse("/admin/openings?moved=1", status_code=303)
