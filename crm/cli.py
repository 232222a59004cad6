"""Operator commands: `crm …` (console script) or `flask --app wsgi crm …`."""
from __future__ import annotations

import string

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

crm_cli = AppGroup("crm", help="Campaign CRM commands.")
users_cli = AppGroup("users", help="Manage users.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
crm_cli.add_command(users_cli)
crm_cli.add_command(tokens_cli)


def load_command_modules() -> None:
    """Areas add their own commands in their commands.py (@crm_cli.command(...)); see crm.areas."""
    from crm.areas import area_modules

    area_modules("commands")


def register_cli(app) -> None:
    load_command_modules()
    if "crm" not in app.cli.commands:
        app.cli.add_command(crm_cli)


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@crm_cli.command("demo")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same drive.")
@click.option("--password", default=None, help="Password for every demo user (default: a random one, printed).")
@click.option("--merchants", default=5000, show_default=True, type=click.IntRange(1, 50_000),
              help="How many merchants the drive has.")
@click.option("--serve", is_flag=True, help="Then run the web app (and its scheduler) on --port.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65_535),
              help="Port to serve on (127.0.0.1).")
@with_appcontext
def demo(seed: int, password: str | None, merchants: int, serve: bool, port: int):
    """Create the schema and build a realistic 双百工程 drive (Changzhi, 12 counties).

    On a database that already has users nothing is rebuilt: the drive is served as it is, its rules brought to
    the template's current ones (a lead's local settings kept).
    """
    from crm.auth.passwords import policy_problem
    from crm.demo.build import bring_demo_drive_to_template, build_demo, random_password
    from crm.extensions import db
    from crm.people.models import User

    if password and policy_problem(password):
        raise click.BadParameter(policy_problem(password), param_hint="--password")
    upgrade_database()
    if db.session.scalar(select(User.id).limit(1)) is None:
        password = password or random_password()
        click.echo(f"Building the demo drive (seed {seed}, {merchants} merchants) …")
        summary = build_demo(seed=seed, password=password, merchants=merchants)
        counts = summary["counts"]
        click.echo(f"Built in {summary['seconds']} s: {counts['merchants']} merchants, {counts['visits']} visits, "
                   f"{counts['referrals']} referrals, {counts['liaison_pairs']} liaison pairs.")
        password_note = f"password {password}"
    else:
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        start_over = f"delete {url.removeprefix('sqlite:///')}" if url.startswith("sqlite:///") else "use an empty database"
        click.echo(f"The database already has users: the demo is not rebuilt but {'served' if serve else 'left'} "
                   f"as it is (to start over, {start_over}).")
        changed = bring_demo_drive_to_template()
        if changed:
            click.echo(f"{changed} of the demo drive's rules brought to its template's current rules "
                       f"(local settings kept).")
        password_note = "the password given when it was built"
    usernames = db.session.scalars(select(User.username).order_by(User.id)).all()
    if serve:
        current_app.config["RUN_SCHEDULER"] = True
        url = f"http://127.0.0.1:{port}/"
        click.echo(f"Users ({password_note}): {_username_ranges(usernames)} — {url}")
        click.echo(f"Ready: sign in as lead at {url}")
        _serve(port)
    else:
        click.echo(f"Users ({password_note}): {_username_ranges(usernames)}")


def _username_ranges(usernames: list[str]) -> str:
    """admin, lead, lead2, head1…head12, …: a run of numbered usernames shown as its first and last."""
    runs: dict[tuple[str, bool], list[str]] = {}
    for name in usernames:
        stem = name.rstrip(string.digits)
        runs.setdefault((stem, stem != name), []).append(name)
    return ", ".join(names[0] if len(names) == 1 else f"{names[0]}…{names[-1]}" for names in runs.values())


def _serve(port: int) -> None:
    from werkzeug.serving import run_simple

    from crm.jobs import queue as jobs
    from crm.reminders.scheduler import start_in_app

    app = current_app._get_current_object()
    start_in_app(app)  # only the single-command demo runs the reminder scheduler in the web process
    jobs.start_in_app(app)  # … and a background job worker
    # app.run() refuses to start inside a CLI command; the WSGI server it wraps does not.
    run_simple("127.0.0.1", port, app, threaded=True)


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", default=None, help="Display name (default: the username).")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["account_manager", "liaison", "branch_head", "lead", "admin"]))
@click.option("--org", "org_id", type=int, required=True, help="Organization id.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user(username, display_name, roles, org_id, password):
    """Create a user with roles in an organization."""
    from crm.extensions import db
    from crm.people.operations import create_user as create

    try:
        user = create(username=username, display_name=display_name or username, roles=roles,
                      organization_id=org_id, password=password)
    except ValueError as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from err
    db.session.commit()
    click.echo(f"Created user {user.username} (id {user.id}).")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def create_token(username: str, name: str):
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    from crm.auth.operations import create_token as make
    from crm.extensions import db
    from crm.people.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    _token, plain = make(user, name)
    db.session.commit()
    click.echo(plain)


def main() -> None:
    """Console script `crm`: the same commands as `flask --app wsgi crm`."""
    from crm import create_app

    load_command_modules()
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False)
    for name, command in crm_cli.commands.items():
        cli.add_command(command, name)
    from flask_migrate.cli import db as db_cli

    cli.add_command(db_cli)
    cli.main(prog_name="crm")
