"""The web side of the app: CSRF, templates, blueprints, request hooks, security headers and error
pages (`app.create_app` installs it unless a command serves no page)."""

from __future__ import annotations

from flask import Flask, Response, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from app import dates, formengine, logs
from app.auth import sessions
from app.authz.decorators import current_user, enforce_declared_permissions
from app.config import Settings
from app.i18n import JINJA_GLOBALS, _, translations
from app.navigation import nav_links
from app.nomenclature import nomenclature
from app.proxy import Network, TrustedProxies, https_required

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def install(app: Flask, settings: Settings, proxies: tuple[Network, ...]) -> None:
    """Everything a served app needs beyond settings, keys and database."""
    formengine.install(app)
    CSRFProtect(app)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]

    logs.install(app)
    _register_blueprints(app)
    enforce_declared_permissions(app)
    app.before_request(https_required)
    app.before_request(sessions.load_user)
    app.before_request(_reading_timezone)
    app.after_request(_security_headers)
    _register_error_pages(app)
    app.context_processor(lambda: {"current_user": current_user(), "demo_instance": settings.demo})
    if settings.demo:
        app.jinja_env.globals.update(demo_accounts=_demo_accounts())
    app.jinja_env.globals.update(nav_links=nav_links, label=nomenclature().label)
    app.jinja_env.globals.update(JINJA_GLOBALS)
    app.jinja_env.filters.update(dates.JINJA_FILTERS)
    app.jinja_env.globals.update(dates.JINJA_GLOBALS)
    app.wsgi_app = TrustedProxies(app.wsgi_app, proxies)  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    from app.admin.account import bp as account_bp
    from app.admin.audit_log import bp as audit_bp
    from app.admin.users import bp as users_bp
    from app.archive.views import bp as archive_bp
    from app.auth.views import bp as auth_bp
    from app.children.views import bp as children_bp
    from app.collective.views import bp as collective_bp
    from app.documents.views import bp as documents_bp
    from app.eps.views import bp as seances_bp
    from app.exits.views import bp as exits_bp
    from app.followup.views import bp as followup_bp
    from app.formsets.views import bp as formsets_bp
    from app.home.views import bp as home_bp
    from app.imports.views import bp as imports_bp
    from app.indicators.views import bp as indicators_bp
    from app.network.views import bp as network_bp
    from app.parcours.views import bp as parcours_bp
    from app.programme_data.views import bp as programme_data_bp
    from app.retention.views import bp as retention_bp
    from app.scans.views import bp as scans_bp
    from app.signing.views import bp as signing_bp
    from app.workflow.views import bp as eps_bp

    blueprints = [home_bp, auth_bp, children_bp, users_bp, eps_bp, seances_bp, indicators_bp, imports_bp]
    blueprints += [archive_bp, signing_bp, retention_bp, network_bp, formsets_bp, scans_bp, exits_bp, parcours_bp]
    blueprints += [collective_bp, programme_data_bp]
    for blueprint in (*blueprints, account_bp, audit_bp, documents_bp, followup_bp):
        app.register_blueprint(blueprint)


def _demo_accounts() -> list[tuple[str, str]]:
    """(e-mail, role) of the demo accounts, shown on a demo instance's login page only."""
    from app.demo import DEMO_USERS
    from app.users.models import ROLE_LABELS, Role

    return [(email, ROLE_LABELS[Role(role)]) for email, _name, role in DEMO_USERS]


def _reading_timezone() -> None:
    """Every time this request shows is in the zone of the user's programme (app.dates)."""
    user = current_user()
    dates.set_timezone(user.programme.timezone if user is not None else None)


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "static":
        # Case pages hold personal data: never cached, by the browser or anything between.
        response.headers["Cache-Control"] = "no-store"
    return response


def _register_error_pages(app: Flask) -> None:
    messages = {
        400: (
            _("Requête invalide"),
            _("La page a expiré ou le formulaire est incomplet. Revenez en arrière, rechargez la page et recommencez."),
        ),
        401: (_("Connexion requise"), _("Connectez-vous pour continuer.")),
        403: (_("Accès refusé"), _("Vous n'avez pas accès à cette page.")),
        404: (
            _("Page introuvable"),
            _("Cette page n'existe pas ou vous n'y avez pas accès. Vérifiez l'adresse ou revenez à l'accueil."),
        ),
        409: (_("Conflit de modification"), _("Quelqu'un a modifié ce document en même temps que vous.")),
        413: (_("Fichier trop volumineux"), _("Le fichier envoyé dépasse 20 Mo.")),
        500: (
            _("Erreur interne"),
            _(
                "Une erreur est survenue. Votre saisie n'a pas été enregistrée ; réessayez, "
                "et prévenez l'administrateur si cela se reproduit."
            ),
        ),
    }

    def render(code: int) -> tuple[str, int]:
        title, text = messages[code]
        return render_template("error.html", title=title, text=text, code=code), code

    for code in messages:
        app.register_error_handler(code, lambda _e, code=code: render(code))
    app.register_error_handler(CSRFError, lambda _e: _expired_document() or render(400))


# Posts of a document page, and the page to come back to after logging in again.
DOCUMENT_POSTS = {
    "documents.save": "documents.show",
    "documents.finalise": "documents.show",
    "documents.new_orientation": "documents.new_orientation",
}


def _expired_document() -> tuple[str, int] | None:
    """A document page sent after the session ended: what was typed stays on this device
    (encrypted, app/static/js/form-draft.js); after logging in, the user is back on the document."""
    page = DOCUMENT_POSTS.get(request.endpoint or "")
    if page is None:
        return None
    arguments = {k: v for k, v in (request.view_args or {}).items() if k in ("child_id", "document_id")}
    back = url_for(page, **arguments)
    return render_template("expired.html", login_url=url_for("auth.login", next=back), back=back), 400
