"""Write small, valid content trees for tests, which tests then break on purpose."""

import os
import subprocess
import sys
from pathlib import Path

from curriculum.config import ROOT
from curriculum.content.loader import short_hash

EN_PARAGRAPH = (
    "Violence in the home is never a private matter and never the fault of the woman "
    "who suffers it. An officer who listens without blame helps her find safety. "
)
KM_PARAGRAPH = (
    "អំពើហិង្សាក្នុងគ្រួសារ មិនមែនជារឿងឯកជន ហើយមិនមែនជាកំហុសរបស់ស្ត្រីដែលរងគ្រោះនោះទេ។ "
    "មន្ត្រីដែលស្តាប់ដោយមិនបន្ទោស ជួយនាងរកសុវត្ថិភាព។ "
)


def lesson_en(title: str = "A lesson", words: int = 320, extra: str = "") -> str:
    """Return an English lesson with front matter and the required sections."""
    per = len(EN_PARAGRAPH.split())
    body = "\n\n".join([EN_PARAGRAPH] * (words // per + 1))
    return (
        f'+++\ntitle = "{title}"\nminutes = 10\n+++\n\n'
        f"See [domestic violence](glossary:domestic-violence).\n\n{body}\n{extra}\n"
        "## Key messages\n\n- Listen without blame.\n\n"
        "## Sources\n\n- WHO 2013 guidelines.\n"
    )


def lesson_km(source: str, title: str = "មេរៀន", chars: int = 950) -> str:
    """Return a Khmer lesson translating an English file with the given hash."""
    per = len("".join(KM_PARAGRAPH.split()))
    body = "\n\n".join([KM_PARAGRAPH] * (chars // per + 1))
    return (
        f'+++\ntitle = "{title}"\nminutes = 10\nsource_sha256 = "{source}"\n'
        f'review = "draft"\nreviewer = ""\n+++\n\n'
        f"មើល [អំពើហិង្សាក្នុងគ្រួសារ](glossary:domestic-violence)។\n\n{body}\n\n"
        "## សារសំខាន់ៗ\n\n- ស្តាប់ដោយមិនបន្ទោស។\n\n## ប្រភព\n\n- WHO 2013។\n"
    )


def question(key: str, qtype: str = "single", correct: str = '["a"]', points=1) -> str:
    """Return one question in TOML, with choices a-c (or true/false)."""
    keys = ["true", "false"] if qtype == "truefalse" else ["a", "b", "c"]
    if qtype == "truefalse" and correct == '["a"]':
        correct = '["true"]'
    scenario = 'scenario.en = "Dara hears shouting."\nscenario.km = "ដារ៉ាឮសំឡេងស្រែក។"\n'
    out = (
        f'[[questions]]\nkey = "{key}"\ntype = "{qtype}"\npoints = {points}\n'
        f"correct = {correct}\n"
        f'text.en = "Question {key}?"\ntext.km = "សំណួរ {key}?"\n'
        + (scenario if qtype == "scenario" else "")
    )
    for ckey in keys:
        out += (
            f'[[questions.choices]]\nkey = "{ckey}"\n'
            f'text.en = "Choice {ckey}"\ntext.km = "ជម្រើស {ckey}"\n'
            f'explanation.en = "Because {ckey}."\nexplanation.km = "ព្រោះ {ckey}។"\n'
        )
    return out + "\n"


def quiz_toml(
    key: str, module: str, questions: str, pass_mark: int = 70, **policy
) -> str:
    """Return a module quiz file."""
    max_attempts = policy.get("max_attempts", 3)
    wait = policy.get("wait_minutes", 0)
    rule = policy.get("multiple_choice", "partial")
    return (
        f'key = "{key}"\nkind = "module"\nmodule = "{module}"\npass_mark = {pass_mark}\n'
        f'max_attempts = {max_attempts}\nwait_minutes = {wait}\nmultiple_choice = "{rule}"\n\n'
        '[translation]\nsource_sha256 = "pending"\nreview = "draft"\nreviewer = ""\n\n'
        + questions
    )


def module_toml(key: str, order: int, prerequisites: str = "[]") -> str:
    """Return a module.toml."""
    return (
        f'key = "{key}"\norder = {order}\nminutes = 30\nprerequisites = {prerequisites}\n'
        f'quiz = "{key}"\n\n[title]\nkm = "ម៉ូឌុល {key}"\nen = "Module {key}"\n\n'
        f'[summary]\nkm = "សេចក្តីសង្ខេប"\nen = "A summary."\n\n'
        '[translation]\nsource_sha256 = "pending"\nreview = "draft"\nreviewer = ""\n'
    )


ATTITUDE = """key = "attitude"
kind = "attitude"
direction.en = "Each statement scores 1-3; higher is more equitable; a02 is reversed."
direction.km = "សេចក្តីថ្លែងនីមួយៗ ១-៣ ពិន្ទុ។"

[translation]
source_sha256 = "pending"
review = "draft"
reviewer = ""

[[scale]]
key = "agree"
text.en = "Agree"
text.km = "យល់ស្រប"
[[scale]]
key = "partly"
text.en = "Partly agree"
text.km = "យល់ស្របខ្លះ"
[[scale]]
key = "disagree"
text.en = "Disagree"
text.km = "មិនយល់ស្រប"

[[items]]
key = "a01"
reverse = false
text.en = "A woman should obey her husband."
text.km = "ស្ត្រីគួរស្តាប់បង្គាប់ប្ដី។"
[[items]]
key = "a02"
reverse = true
text.en = "Men should share the housework."
text.km = "បុរសគួរជួយការងារផ្ទះ។"
[[items]]
key = "a03"
reverse = false
text.en = "Violence is a private family matter."
text.km = "អំពើហិង្សាជារឿងឯកជនក្នុងគ្រួសារ។"
"""


VETTING = """version = "test.1"
review_months = 12

[translation]
source_sha256 = "pending"
review = "draft"
reviewer = ""

[[criteria]]
key = "training"
kind = "training"
min_score = 70
name.en = "Training"
name.km = "ការបណ្ដុះបណ្ដាល"
evidence.en = "Modules passed."
evidence.km = "ជាប់ម៉ូឌុល។"

[[criteria]]
key = "attendance"
kind = "attendance"
min_sessions = 2
name.en = "Attendance"
name.km = "វត្តមាន"
evidence.en = "Sessions attended."
evidence.km = "វគ្គដែលបានចូលរួម។"

[[criteria]]
key = "references"
kind = "manual"
name.en = "References"
name.km = "ការបញ្ជាក់"
evidence.en = "Two people vouch for him."
evidence.km = "មនុស្សពីរនាក់បញ្ជាក់។"
"""


def write_content(root: Path, modules: tuple[str, ...] = ("alpha", "beta")) -> Path:
    """Write a valid content tree under root; return root. Modules chain by prerequisite."""
    from curriculum.content.stamping import stamp

    mdir, qdir = root / "modules", root / "quizzes"
    qdir.mkdir(parents=True, exist_ok=True)
    mdir.mkdir(parents=True, exist_ok=True)
    for number, key in enumerate(modules, start=1):
        folder = mdir / f"{number:02d}-{key}"
        folder.mkdir(exist_ok=True)
        prereq = f'["{modules[number - 2]}"]' if number > 1 else "[]"
        (folder / "module.toml").write_text(module_toml(key, number, prereq), "utf-8")
        for lesson in ("first", "second"):
            n = 1 if lesson == "first" else 2
            en = lesson_en(f"{key} {lesson}")
            (folder / f"0{n}-{lesson}.en.md").write_text(en, "utf-8")
            (folder / f"0{n}-{lesson}.km.md").write_text(
                lesson_km(short_hash(en.encode())), "utf-8"
            )
        questions = (
            question("q01")
            + question("q02", "multiple", '["a", "b"]')
            + question("q03", "truefalse")
            + question("q04", "scenario", '["c"]')
        )
        (qdir / f"{key}.toml").write_text(quiz_toml(key, key, questions), "utf-8")
    (mdir / "glossary.toml").write_text(
        '[[terms]]\nkey = "domestic-violence"\nterm.en = "domestic violence"\n'
        'term.km = "អំពើហិង្សាក្នុងគ្រួសារ"\ndefinition.en = "Violence in the home."\n'
        'definition.km = "អំពើហិង្សានៅក្នុងផ្ទះ។"\n',
        "utf-8",
    )
    knowledge = quiz_toml(
        "knowledge", "-", question("q01") + question("q02", "truefalse")
    )
    knowledge = knowledge.replace(
        'kind = "module"\nmodule = "-"\npass_mark = 70\n', 'kind = "knowledge"\n'
    )
    (qdir / "knowledge.toml").write_text(knowledge, "utf-8")
    (qdir / "attitude.toml").write_text(ATTITUDE, "utf-8")
    required = ", ".join(f'"{k}"' for k in modules)
    tracks = ""
    for track in ("police", "leaders", "health", "cmg"):
        tracks += (
            f'[[tracks]]\nkey = "{track}"\ntitle.en = "{track}"\ntitle.km = "{track}"\n'
            f'required = [{required}]\noptional = []\nknowledge_test = "knowledge"\n\n'
        )
    (mdir / "tracks.toml").write_text(tracks, "utf-8")
    (mdir / "vetting.toml").write_text(VETTING, "utf-8")
    stamp(mdir, qdir)
    return root


def run_flask(args, tree, **env):
    """Run a `flask` command on a content tree in a subprocess; return its result."""
    environment = dict(os.environ)
    environment.update(
        CURRICULUM_MODULES_DIR=str(tree / "modules"),
        CURRICULUM_QUIZZES_DIR=str(tree / "quizzes"),
        **env,
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
