"""The command line, run as a user runs it: `python -m bot …` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import commands, core
from bot.rules import decision_table_mermaid, readme_block

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_ask_prints_the_quote_grade_and_section() -> None:
    run = bot("ask", "flare on 5 mg pred with MTX")
    assert run.returncode == 0, run.stderr
    assert "increasing the prednisone to the lowest dose required to reestablish disease control" in run.stdout
    assert "Grade 2C" in run.stdout and "Recurrent Disease" in run.stdout
    assert "we suggest slower tapering" in run.stdout
    assert "For disease flares at > 10 mg/day" not in run.stdout
    assert "no substitute for clinical judgement" not in run.stdout  # said once, at /start and /help
    assert "no substitute for clinical judgement" in bot("ask", "/start").stdout


def test_ask_json_is_the_contract() -> None:
    run = bot("ask", "--json", "refractory DM after RTX")
    reply = json.loads(run.stdout)
    assert set(reply) == {"kind", "text", "grades", "references", "passages", "slots", "rule", "rules", "choices"}
    assert reply["kind"] == "answer" and reply["rule"] == "resistant.ivig" and reply["rules"] == ["resistant.ivig"]
    assert reply["grades"] == ["2B"] and reply["references"] == [3, 4]
    assert "ivig.second-line" in reply["passages"]
    assert reply["slots"]["failed"] == ["rituximab"] and reply["slots"]["disease"] == "DM"
    assert reply["choices"] == []


def test_ask_json_clarify_lists_choices() -> None:
    reply = json.loads(bot("ask", "--json", "relapse on azathioprine").stdout)
    assert reply["kind"] == "clarify"
    assert [c["label"] for c in reply["choices"]] == ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day",
                                                      "off prednisone"]
    assert all(len(c["data"].encode()) <= 64 for c in reply["choices"])


def test_batch_from_stdin_keeps_order_and_blank_lines() -> None:
    run = bot("ask", "--json", "--batch", "-", stdin="IVIG for 72 kg\n\n/ref 4\nscleroderma\n")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["kind"] for r in lines] == ["answer", "help", "answer", "out_of_scope"]
    assert "2 g/kg × 72 kg = 144 g" in lines[0]["text"]
    assert lines[2]["references"] == [4] and "Cherin P" in lines[2]["text"]


def test_batch_from_file(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("/ref 2\nwhat does 2C mean\n", encoding="utf-8")
    run = bot("ask", "--json", "--batch", str(questions))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["rule"] == "lookup.legend"


def test_an_internal_failure_is_kind_error_and_exit_1() -> None:
    """A crash inside the reader is reported as such, never disguised as help."""
    crash = ("import sys, bot.core\n"
             "def boom(*a, **k): raise RuntimeError('boom')\n"
             "bot.core.extract = boom\n"
             "from bot.cli import main\n"
             "sys.exit(main(['ask', '--json', '--batch', '-']))\n")
    run = subprocess.run([sys.executable, "-c", crash], cwd=ROOT, input="flare on 5 mg pred\n/ref 2\n",
                         capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    kinds = [json.loads(line)["kind"] for line in run.stdout.splitlines()]
    assert kinds == ["error", "answer"]
    assert run.returncode == 1 and "1 question(s) hit an internal failure" in run.stderr
    assert "flare on 5 mg pred" not in run.stderr  # the log names the failure, never the message


def test_missing_batch_file_is_a_clear_error(tmp_path: Path) -> None:
    run = bot("ask", "--batch", str(tmp_path / "nope.txt"))
    assert run.returncode == 1 and "error:" in run.stderr and "Traceback" not in run.stderr


def test_ask_without_a_question_says_how() -> None:
    run = bot("ask")
    assert run.returncode == 2 and "give a question" in run.stderr


def test_commands_work_as_in_telegram() -> None:
    assert "Mahler EA" in bot("ask", "/ref 2").stdout
    assert "Grade 2B" in bot("ask", "/grade ivig").stdout
    assert commands.help_line() in bot("ask", "/help").stdout and "/ref 4 or /ref noss" in commands.help_line()


def test_chat_offers_numbered_choices_and_takes_a_number() -> None:
    run = bot("chat", stdin="relapse on azathioprine\n1\n\n")
    assert "  1. > 10 mg/day" in run.stdout
    assert "we suggest the addition of either azathioprine or methotrexate" in run.stdout


def test_chat_reads_follow_ups_in_context_and_new_forgets() -> None:
    run = bot("chat", stdin="relapse on methotrexate\nshe's on 5 mg\n/new\ndose for 70 kg?\n\n")
    replies = run.stdout.split("you> ")[2:]
    assert replies[0].strip().startswith("Carried over: flare · on methotrexate.")
    assert "For disease flares at < 10 mg/day of prednisone" in replies[0]
    assert "forgotten" in replies[1]
    assert "Carried over" not in replies[2] and "Outside the source" in replies[2]


def test_search_prints_ids_sections_grades_references() -> None:
    run = bot("search", "IVIG", "second-line")
    assert "[ivig.second-line] Intravenous immune globulin · Grade 2B · references 3, 4" in run.stdout
    assert bot("search", 'NEAR("').returncode == 0


def test_rules_markdown_and_mermaid() -> None:
    assert "| `recurrent.above-10` |" in bot("rules").stdout
    assert bot("rules", "--mermaid").stdout.strip() == decision_table_mermaid()


def test_readme_embeds_the_current_flowchart_and_table() -> None:
    """The README's rules block is regenerated from knowledge/rules.toml; any difference fails."""
    block = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", README, re.DOTALL)
    assert block, "README lacks the rules block"
    assert block.group(1) == readme_block(), "README is stale: paste `python -m bot rules --readme` into it"
    assert bot("rules", "--readme").stdout == readme_block()


def test_readme_embeds_the_current_command_list() -> None:
    """The README's command block is regenerated from bot/commands.py; any difference fails."""
    block = re.search(r"<!-- commands:start -->\n(.*?)<!-- commands:end -->", README, re.DOTALL)
    assert block, "README lacks the commands block"
    assert block.group(1) == commands.readme_block(), "README is stale: paste `python -m bot commands --readme`"
    assert bot("commands", "--readme").stdout == commands.readme_block()


@pytest.mark.parametrize("command", commands.COMMANDS, ids=lambda c: c.name)
def test_every_registered_command_is_dispatched_and_in_help(command) -> None:
    reply = core.answer(command.usage.split(",")[0])
    assert not reply.text.startswith("I don't know the command")
    assert command.name == "start" or f"/{command.name}" in core.answer("/help").text


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    test_command = next(c for c in commands if "pytest" in c and "venv" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci.splitlines()


def test_ask_does_not_import_telegram_or_sqlite_utils() -> None:
    code = ("import sys, runpy; sys.argv = ['bot', 'ask', 'flare on 5 mg pred']; "
            "import bot.cli; bot.cli.main(sys.argv[1:]); "
            "bad = [m for m in ('telegram', 'sqlite_utils', 'httpx') if m in sys.modules]; "
            "print('BAD', bad) if bad else print('CLEAN')")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout.strip().endswith("CLEAN"), run.stdout + run.stderr


def test_build_writes_where_asked(tmp_path: Path) -> None:
    run = bot("build", "--db", str(tmp_path / "x.db"))
    assert run.returncode == 0 and (tmp_path / "x.db").exists()


@pytest.mark.parametrize("args", [[], ["nonsense"]])
def test_bad_usage_exits_non_zero(args: list[str]) -> None:
    assert bot(*args).returncode == 2


def test_replies_are_byte_identical_whatever_the_hash_seed() -> None:
    """Nothing iterates a set into a reply: several answers, several uncovered topics, the table, the export."""
    questions = "\n".join(["dose of belimumab in SLE", "lupus and hydroxychloroquine in DM",
                           "flare at 20 mg prednisone with worsening ILD",
                           "resistant DM failed rituximab, still weak, refractory rash",
                           "failed rituximab, IVIG and mycophenolate", "The Noss paper"]) + "\n"
    outputs = set()
    for seed in ("0", "1", "2024"):
        env_run = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"], cwd=ROOT,
                                 input=questions, capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed})
        rules = subprocess.run([sys.executable, "-m", "bot", "rules", "--readme"], cwd=ROOT, capture_output=True,
                               text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed})
        outputs.add(env_run.stdout + rules.stdout)
    assert len(outputs) == 1


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("make", [_fifo, _directory], ids=["fifo", "directory"])
@pytest.mark.parametrize("args", [("ask", "/ref 4"), ("build",), ("serve",), ("search", "ivig")],
                         ids=lambda a: a[0])
def test_a_db_path_that_is_not_a_regular_file_is_one_line_and_exit_2(tmp_path: Path, make, args) -> None:
    """Never opened (a FIFO would hang) nor replaced (a device would be, as root)."""
    path = make(tmp_path / "knowledge.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DMPM_BOT_DB": str(path), "TELEGRAM_BOT_TOKEN": "1:x"}
    run = subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env=env)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert str(path) in lines[0] and "not a regular file" in lines[0]
    assert path.exists() and not path.is_file()  # left as it was


def test_build_db_option_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    path = _fifo(tmp_path / "pipe.db")
    run = bot("build", "--db", str(path))
    assert run.returncode == 2 and "is a FIFO, not a regular file" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("path", "kind"), [("/dev/null", "a character device"), ("/", "a directory")])
def test_check_db_path_names_what_is_there(path: str, kind: str) -> None:
    from bot.store import DatabasePathError, check_db_path

    with pytest.raises(DatabasePathError, match=f"{path} is {kind}, not a regular file"):
        check_db_path(Path(path))


def test_check_db_path_accepts_a_file_or_a_path_to_create(tmp_path: Path) -> None:
    from bot.store import check_db_path

    (tmp_path / "a.db").write_bytes(b"")
    assert [check_db_path(tmp_path / name) for name in ("a.db", "new.db")] == [tmp_path / "a.db", tmp_path / "new.db"]


def test_run_from_a_checkout_before_installing_says_what_to_do() -> None:
    """Without the dependencies (-S: no site-packages), one line and exit 2, not a traceback."""
    run = subprocess.run([sys.executable, "-S", "-m", "bot", "ask", "flare on 5 mg pred with MTX"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2, run.stderr
    assert "is not installed" in run.stderr and "pip install ." in run.stderr and "Traceback" not in run.stderr
