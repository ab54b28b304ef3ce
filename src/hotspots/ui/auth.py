"""Sign-in with the partnership's identity provider (Streamlit's OpenID Connect), and who is asking.

Sign-in is on when ``.streamlit/secrets.toml`` (or another ``secrets.files`` entry) has an
``[auth]`` section: then every page asks people to sign in, maps their ID token's claims
to a :class:`~hotspots.data.access.Principal` (roles from ``HOTSPOTS_ACCESS``) and keeps
it in the session; every dataset the UI opens is checked against it
(:func:`hotspots.ui.cache.get_store`). Without ``[auth]`` the app is in local single-user
mode (principal None: full access) and says so in the sidebar.
"""

from __future__ import annotations

import streamlit as st

from hotspots.data import access, audit
from hotspots.data.access import Principal
from hotspots.errors import AccessDeniedError, HotspotsError
from hotspots.present.escape import markdown as md

__all__ = [
    "auth_configured",
    "current_principal",
    "deny",
    "require_principal",
    "session_principal",
    "sidebar_identity",
]

_KEY = "_principal"


def auth_configured() -> bool:
    """Return True when the secrets have an ``[auth]`` section (sign-in switched on)."""
    try:
        return "auth" in st.secrets and bool(st.secrets["auth"])
    except Exception:  # no secrets file at all: local mode
        return False


def _provider() -> str | None:
    """Return the provider to sign in with: None for a flat ``[auth]``, else the first NAME."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    names = [k for k, v in section.items() if hasattr(v, "keys")]
    return names[0] if names else None


def session_principal() -> Principal | None:
    """Return the session's principal without drawing anything: None in local mode.

    Raises :class:`~hotspots.errors.AccessDeniedError` when sign-in is on and nobody is
    signed in in this session (fail closed: no data without a principal).
    """
    if not auth_configured():
        return None
    p = st.session_state.get(_KEY)
    if p is None:
        msg = "access denied: sign in first"
        raise AccessDeniedError(msg)
    return p


def _sign_in_page() -> None:
    st.title("Safer BCP hotspots")
    st.markdown(
        "This server is shared by the partnership: **sign in** with your organisation's "
        "account to see the datasets you are allowed to see.",
    )
    if st.button("Sign in", type="primary", key="auth_sign_in"):
        st.login(_provider())
    st.stop()


def current_principal() -> Principal | None:
    """Return the signed-in person (else draw the sign-in page and stop); None locally."""
    if not auth_configured():
        return None
    if not st.user.is_logged_in:
        st.session_state.pop(_KEY, None)
        _sign_in_page()
    claims = st.user.to_dict()
    ident = str(claims.get("sub") or claims.get("email") or "")
    p = st.session_state.get(_KEY)
    if p is None or st.session_state.get(_KEY + "_sub") != ident:
        try:
            p = access.principal_from_claims(claims, access.load_config())
        except HotspotsError as exc:
            st.error(md(str(exc)))
            st.stop()
        if p is None:
            audit.record(
                "access-denied", Principal(str(claims.get("email") or claims.get("sub"))),
                what="sign-in", reason="not in the access config",
            )  # fmt: skip
            st.error("Your account is not given a role on this server: ask its administrator.")
            if st.button("Sign out", key="auth_sign_out_refused"):
                st.logout()
            st.stop()
        st.session_state[_KEY] = p
        st.session_state[_KEY + "_sub"] = ident
        # once per login (the identity provider's session), not once per page load: every
        # reload or new tab is a new Streamlit session holding the same login
        login = claims.get("sid") or claims.get("auth_time") or claims.get("iat") or ""
        audit.record_once(
            ("sign-in", ident, str(login), str(audit.audit_path())),
            "sign-in",
            p,
            groups=list(p.groups),
        )
    return p


def require_principal() -> Principal | None:
    """:func:`current_principal`, for pages that do not draw the dataset picker first."""
    return current_principal()


def deny(principal: Principal | None, dataset: str, what: str = "open") -> None:
    """Draw the "access denied" page for ``dataset`` (recorded in the audit log) and stop."""
    audit.record("access-denied", principal, dataset=dataset, what=what)
    st.title("Access denied")
    st.error(
        f"You do not have access to the dataset **{md(dataset)}**. It is restricted to the "
        "analysts of the team that owns it. Ask an administrator if you need it.",
    )
    st.markdown("[Back to the overview](./)")
    st.stop()


def sidebar_identity(principal: Principal | None) -> None:
    """Who is signed in and with which role (with a sign-out button), or the local-mode note."""
    sb = st.sidebar
    if principal is None:
        sb.caption(
            "Single-user mode: no sign-in is configured, so everyone who can open this "
            "address sees and changes every dataset. See 'Deploying for a partnership' in "
            "the README to run it for many people.",
        )
        return
    sb.caption(f"Signed in as **{md(principal.user)}** · role **{principal.role}**")
    if sb.button("Sign out", key="auth_sign_out"):
        audit.record("sign-out", principal)
        st.session_state.pop(_KEY, None)
        st.logout()
