"""`parcours --help` and every command's help are in French (option names stay as documented)."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from app.cli import main
from app.cli_help import HELP, walk

ENGLISH = re.compile(r"\b(the|and|with|every|of|from|to|Show this message|Usage)\b")


def test_every_command_and_option_has_french_help() -> None:
    commands = walk(main, click.Context(main))
    assert {path for path, _cmd in commands} == set(HELP)
    runner = CliRunner()
    for path, command in commands:
        options = [p for p in command.params if isinstance(p, click.Option)]
        assert {o.name for o in options} <= set(HELP[path][1]), path
        result = runner.invoke(main, [*path.split(), "--help"], prog_name="parcours")
        assert result.exit_code == 0, (path, result.output)
        assert "Utilisation : parcours" in result.output and "Afficher cette aide et quitter." in result.output
        described = result.output.split("Options:")[0] + " ".join(o.help or "" for o in options)
        assert not ENGLISH.search(described.replace("parcours", "")), (path, described)
        for option in options:
            assert option.opts[0] in result.output, (path, option.opts[0])  # names unchanged


def test_the_programme_time_zone_is_an_option_of_programmes_add() -> None:
    result = CliRunner().invoke(main, ["programmes", "add", "--help"])
    assert "--timezone" in result.output and "Fuseau horaire" in result.output


def test_init_refuses_an_unknown_time_zone_before_writing_anything(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARCOURS_INSTANCE", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["init", "--timezone", "Mars/Olympus"], prog_name="parcours")
    assert result.exit_code == 2 and "Fuseau horaire inconnu « Mars/Olympus »" in result.output
    assert not (tmp_path / "instance").exists()
