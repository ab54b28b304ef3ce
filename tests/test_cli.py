"""The `hotspots` command: every subcommand is registered and has working --help."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from hotspots.cli import build_parser, command_help, main
from hotspots.commands import COMMANDS


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert "usage: hotspots " + name in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_parser_registers_all_commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_read_from_the_source_is_the_module_help(name):
    mod = importlib.import_module(f"hotspots.commands.{name}")
    assert name == mod.NAME
    assert command_help(name) == mod.HELP


def test_help_imports_no_subcommand_and_nothing_heavy():
    """``hotspots --help`` is argparse only: no subcommand module, no pandas/scipy/store."""
    code = (
        "import sys, io, contextlib, json\n"
        "from hotspots.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    heavy = {"pandas", "numpy", "scipy", "duckdb", "pyarrow", "geopandas", "hotspots.data.store"}
    assert not heavy & loaded
    assert not {f"hotspots.commands.{n}" for n in COMMANDS} & loaded


def test_only_the_command_run_is_imported():
    parser = build_parser("summary")
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices["summary"].get_default("_run") is not None
    assert sub.choices["detect"].get_default("_run") is None


def test_unknown_command_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["detcet"])
    assert exc.value.code == 2
    assert "invalid choice: 'detcet'" in capsys.readouterr().err
